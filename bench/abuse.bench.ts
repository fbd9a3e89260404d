/**
 * Cost of the abuse controls per verification start, in process: every control on (do-not-call
 * lookup, number type and lists, two flood counters, two velocity counters, the breaker counter,
 * two quota counters), numbers spread over many ranges so none is refused. On the memory store,
 * then on a redis-server started here (seven counter round trips), one at a time and 50 in flight.
 * The number arrives parsed, as the service passes it; the parse every start does anyway is
 * printed beside.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { abuseSchema } from '../src/config/abuse-schema';
import { apiKeySchema } from '../src/config/schema';
import { MemoryStore } from '../src/store/memory/memory-store';
import { createRedisClient } from '../src/store/redis/connection';
import { RedisStore } from '../src/store/redis/redis-store';
import type { Store } from '../src/store/port';
import { parseE164, type PhoneNumberInfo } from '../src/verification/numbers';
import { AbuseControls } from '../src/verification/policy/admission';
import { startRedisServer } from '../test/support/redis-server';

const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);
const REDIS_COUNT = Number(process.env.BENCH_REDIS_COUNT ?? 5_000);
const IN_FLIGHT = 50;

const config = abuseSchema.parse({ keyQuota: { perHour: null, perDay: null }, breaker: { callsPerMinute: 1e9 } });
const key = apiKeySchema.parse({ id: 'bench', secret: 'bench-secret-0123456789abcdef', quota: { perHour: 1e9, perDay: 1e9 } });
// +49 151 mobile numbers: the last 4 digits vary slowest so each 10,000-block gets few numbers
const number = (i: number): string => `+49151${String(i % 10_000).padStart(4, '0')}${String(Math.floor(i / 10_000)).padStart(4, '0')}`;

async function admissions(store: Store, numbers: PhoneNumberInfo[], now: number, inFlight: number): Promise<number> {
  const controls = new AbuseControls({ counters: store, config, onDoNotCallList: () => false, logger: pino({ level: 'silent' }) });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      for (let i = w; i < numbers.length; i += inFlight) await controls.admit({ key, number: numbers[i] as PhoneNumberInfo, channels: new Set(['call']), now });
    }),
  );
  return performance.now() - started;
}

function line(name: string, ms: number, count: number): string {
  return `${name.padEnd(34)} ${((ms * 1000) / count).toFixed(1).padStart(7)} µs each  ${Math.round((count / ms) * 1000).toString().padStart(7)} /s  (${count})\n`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const numbers = Array.from({ length: COUNT }, (_, i) => parseE164(number(i)));
  process.stdout.write(line('number parse (every start)', performance.now() - t0, COUNT));

  const memory = new MemoryStore();
  process.stdout.write(line('admission, memory store', await admissions(memory, numbers, Date.now(), 1), COUNT));
  await memory.close();

  const server = await startRedisServer();
  const client = createRedisClient(server.url, 'bench', pino({ level: 'silent' }));
  await client.connect();
  const redis = new RedisStore(client);
  try {
    const some = numbers.slice(0, REDIS_COUNT);
    process.stdout.write(line('admission, redis, one at a time', await admissions(redis, some, Date.now(), 1), some.length));
    process.stdout.write(line(`admission, redis, ${IN_FLIGHT} in flight`, await admissions(redis, some, Date.now() + 700_000, IN_FLIGHT), some.length));
  } finally {
    await redis.close();
    await server.stop();
  }
}

void main();
