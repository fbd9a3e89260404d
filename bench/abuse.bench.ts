/**
 * Cost of the abuse controls per verification start, in process, on the memory store: every
 * control on (do-not-call lookup, number type and lists, two flood counters, two velocity
 * counters, the breaker counter, two quota counters), numbers spread over many ranges so none is
 * refused. Prints µs per admission (the number already parsed, as the service passes it) and admissions/s,
 * beside the number parse every start does anyway.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { abuseSchema } from '../src/config/abuse-schema';
import { apiKeySchema } from '../src/config/schema';
import { MemoryStore } from '../src/store/memory/memory-store';
import { parseE164 } from '../src/verification/numbers';
import { AbuseControls } from '../src/verification/policy/admission';

const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);

async function main(): Promise<void> {
  const store = new MemoryStore();
  const config = abuseSchema.parse({ keyQuota: { perHour: null, perDay: null }, breaker: { callsPerMinute: 1e9 } });
  const key = apiKeySchema.parse({ id: 'bench', secret: 'bench-secret-0123456789abcdef', quota: { perHour: 1e9, perDay: 1e9 } });
  const controls = new AbuseControls({ counters: store, config, onDoNotCallList: () => false, logger: pino({ level: 'silent' }) });
  // +49 151 mobile numbers: the last 4 digits vary slowest so each 10,000-block gets few numbers
  const number = (i: number) => `+49151${String(i % 10_000).padStart(4, '0')}${String(Math.floor(i / 10_000)).padStart(4, '0')}`;
  const now = Date.now();

  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) parseE164(number(i));
  const parseUs = ((performance.now() - t0) * 1000) / COUNT;

  const parsed = Array.from({ length: COUNT }, (_, i) => parseE164(number(i)));
  const t1 = performance.now();
  for (let i = 0; i < COUNT; i++) await controls.admit({ key, number: parsed[i] as ReturnType<typeof parseE164>, channels: new Set(['call']), now });
  const admitUs = ((performance.now() - t1) * 1000) / COUNT;

  process.stdout.write(`number parse (every start) ${parseUs.toFixed(1).padStart(6)} µs\n`);
  process.stdout.write(`admission, every control   ${admitUs.toFixed(1).padStart(6)} µs  (${Math.round(1e6 / admitUs)} admissions/s, ${COUNT} numbers)\n`);
  await store.close();
}

void main();
