/**
 * Store benchmark: starts/s and checks/s through the HTTP API with the memory store and with
 * Redis, in the same run, and Redis memory per pending verification.
 *
 *   npm run bench -- store        (or: npm run build && npx tsx bench/store.bench.ts)
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_PENDING=10000
 *
 * The engine runs as its own process (dist/, real clock, simulator at speed 1000); the load
 * comes from another process (bench/lib/load-worker.ts, autocannon); redis-server is started
 * here on a free port, without persistence. Server CPU per request (engine, plus redis-server
 * for Redis) is the figure that holds on a busy machine; req/s depends on what else runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { decodeRecord, encodeRecord } from '../src/store/redis/record-codec';
import { startRedisServer } from '../test/support/redis-server';
import { cpuSeconds, measure, startEngineProcess, type LoadResult } from './lib/processes';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PENDING = Number(process.env.BENCH_PENDING ?? 10_000);
/** Pending verifications the checks spread over (19 wrong codes each at most: all stay pending). */
const CHECK_POOL = Number(process.env.BENCH_CHECK_POOL ?? 8_000);
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

type Measured = LoadResult & { cpuMicrosPerRequest: number; redisMicrosPerRequest: number };

async function startEngine(store: string, dir: string): Promise<Awaited<ReturnType<typeof startEngineProcess>>> {
  const file = join(dir, `config-${store === 'memory' ? 'memory' : 'redis'}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      store,
      secret: 'bench-engine-secret-0123456789abcdef0123',
      apiKeys: [KEY],
      logLevel: 'warn',
      simulator: { speed: 1000 },
      verification: { maxCheckAttempts: 20 },
      dialer: { defaultLimits: { cps: 1000, maxConcurrent: 10_000 }, queueMaxLength: 100_000 },
    }),
  );
  // one key starting thousands of verifications in one number range is what abuse controls refuse
  return startEngineProcess({ PBXVERIFY_CONFIG: file, PBXVERIFY_LOG_LEVEL: 'warn', PBXVERIFY_ABUSE_CONTROLS: 'off' });
}

/** Load from the worker process; adds engine and redis-server CPU per request. */
async function load(enginePid: number, redisPid: number | undefined, spec: Record<string, unknown>): Promise<Measured> {
  const redisBefore = redisPid === undefined ? 0 : cpuSeconds(redisPid);
  const result = await measure(enginePid, spec);
  const redisUsed = redisPid === undefined ? 0 : cpuSeconds(redisPid) - redisBefore;
  return { ...result, redisMicrosPerRequest: result.total ? (redisUsed * 1e6) / result.total : 0 };
}

async function startMany(url: string, count: number, body: (i: number) => Record<string, unknown>, concurrency = 100): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, async (_, j) => {
        const res = await fetch(`${url}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify(body(i + j)),
        });
        const json = (await res.json()) as { id?: string };
        if (res.status !== 201 || !json.id) throw new Error(`start failed: ${res.status} ${JSON.stringify(json)}`);
        return json.id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/** Waits until the first step (the SMS) of each verification is recorded as completed. */
async function firstStepsDone(url: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${url}/v1/verifications/${id}`, { headers: { authorization: auth } });
      const body = (await res.json()) as { attempts: Array<{ status: string }> };
      if (body.attempts[0]?.status === 'completed') break;
      if (tries > 500) throw new Error('first steps did not complete');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function line(name: string, r: Measured): string {
  const bad = r.non2xx + r.errors + r.timeouts;
  const redis = r.redisMicrosPerRequest ? ` + redis ${r.redisMicrosPerRequest.toFixed(0).padStart(3)} µs` : '';
  return `${name.padEnd(16)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(4)} ms  CPU/req engine ${r.cpuMicrosPerRequest.toFixed(0).padStart(4)} µs${redis}${bad ? `  (${bad} non-2xx/errors)` : ''}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-store-bench-'));
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const rows: string[] = [];
  const common = { connections: CONNECTIONS, durationSec: DURATION, headers: { authorization: auth } };
  try {
    for (const [label, store, prefix, warm] of [['memory', 'memory', '+49151', '+49160'], ['redis', server.url, '+49152', '+49162']] as const) {
      await redis.flushall();
      const engine = await startEngine(store, dir);
      const pid = engine.child.pid as number;
      const redisPid = label === 'redis' ? server.pid : undefined;
      try {
        // Warm-up (JIT, connection pools), not counted.
        await load(pid, redisPid, { ...common, durationSec: 2, url: engine.url, path: '/v1/verifications', body: { kind: 'start', channel: 'sms', prefix: warm } });
        const starts = await load(pid, redisPid, { ...common, url: engine.url, path: '/v1/verifications', body: { kind: 'start', channel: 'sms', prefix } });
        const ids = await startMany(engine.url, CHECK_POOL, (i) => ({ to: `${prefix}8${String(i).padStart(7, '0')}`, channel: 'sms' }));
        // Wrong codes (a 10-digit code never matches a 6-digit one): HMAC + compare-and-set write each.
        const checks = await load(pid, redisPid, { ...common, url: engine.url, path: '', body: { kind: 'check', ids, code: '0000000000' } });
        rows.push(line(`${label} start`, starts), line(`${label} check`, checks));
      } finally {
        await engine.stop();
      }
    }

    // Memory per pending verification: sms-call-call after its SMS, two steps still to come.
    await redis.flushall();
    const engine = await startEngine(server.url, dir);
    let memory: string[];
    try {
      const before = await usedMemory(redis);
      const ids = await startMany(engine.url, PENDING, (i) => ({ to: `+49170${String(i).padStart(8, '0')}`, workflow: 'sms-call-call' }));
      await firstStepsDone(engine.url, ids);
      const after = await usedMemory(redis);
      const keys = await redis.dbsize();
      const value = (await redis.get(`pv:r:${ids[0] as string}`)) as string;
      const record = decodeRecord(ids[0] as string, value.slice(0, value.lastIndexOf('\n')));
      const recordBytes = Number(await redis.call('MEMORY', 'USAGE', `pv:r:${record.id}`));
      const slotBytes = Number(await redis.call('MEMORY', 'USAGE', `pv:n:${record.keyId}|${record.to}`));
      const per = (after - before) / PENDING;
      memory = [
        `Redis memory per pending verification (${PENDING} pending sms-call-call, SMS sent, two calls to come; INFO used_memory delta):`,
        `  ${per.toFixed(0)} bytes per verification (${((after - before) / 1024 / 1024).toFixed(1)} MiB in all; ${(keys / PENDING).toFixed(2)} keys each)`,
        `  record ${recordBytes} B and number slot ${slotBytes} B (MEMORY USAGE), its two scheduled jobs ≈ ${(per - recordBytes - slotBytes).toFixed(0)} B`,
        `  record value ${Buffer.byteLength(value)} B; the same record as plain JSON ${Buffer.byteLength(JSON.stringify(record))} B (codec ${Buffer.byteLength(encodeRecord(record))} B + write nonce)`,
      ];
    } finally {
      await engine.stop();
    }

    process.stdout.write(`\nStore throughput (${DURATION} s each, ${CONNECTIONS} connections, load from a second process, simulator PBX at speed 1000)\n`);
    for (const row of rows) process.stdout.write(`${row}\n`);
    process.stdout.write('  start = POST /v1/verifications (sms: record, number slot, two jobs, then the SMS step runs); check = a wrong code\n\n');
    for (const row of memory) process.stdout.write(`${row}\n`);
  } finally {
    await redis.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
