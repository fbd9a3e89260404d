/**
 * Store benchmark: starts/s and checks/s through the HTTP API with the memory store and with
 * Redis, in the same run, and Redis memory per pending verification.
 *
 *   npm run build && npx tsx bench/store.bench.ts [--seconds 10] [--connections 20] [--pending 10000]
 *
 * The engine runs as its own process (dist/cli/index.js serve, real clock, simulator at high
 * speed, logs at warn); autocannon drives it from this process; redis-server is started here on
 * a free port with no persistence. Everything shares the machine: figures are relative.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { decodeRecord, encodeRecord } from '../src/store/redis/record-codec';
import { freePort, startRedisServer } from '../test/support/redis-server';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist/cli/index.js');
const KEY = { id: 'bench', secret: 'bench-secret-0123456789' };
const AUTH = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 20);
const PENDING = arg('pending', 10_000);
const CHECK_TARGETS = 6_000;

interface Engine {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startEngine(store: string, dir: string): Promise<Engine> {
  const config = join(dir, `config-${Date.now()}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      store,
      secret: 'bench-engine-secret-0123456789abcdef0123',
      apiKeys: [KEY],
      simulator: { speed: 1000 },
      verification: { maxCheckAttempts: 20 },
      dialer: { defaultLimits: { cps: 1000, maxConcurrent: 10_000 }, queueMaxLength: 100_000 },
    }),
  );
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PBXVERIFY_CONFIG: config, PBXVERIFY_PORT: String(port), PBXVERIFY_HOST: '127.0.0.1', PBXVERIFY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error('engine did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let numberSeq = 0;
/** Unique valid NANP numbers (+1 202 2xx xxxx); none of the simulator's special test numbers. */
function nextNumber(): string {
  numberSeq++;
  return `+1202${2_000_000 + numberSeq}`;
}

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: { id?: string } }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { id?: string } };
}

/** Creates verifications with `concurrency` requests in flight; returns their ids. */
async function createMany(url: string, count: number, workflow: string, concurrency = 50): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const res = await post(url, '/v1/verifications', { to: nextNumber(), workflow });
        if (res.status !== 201 || !res.body.id) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
        ids.push(res.body.id);
      }
    }),
  );
  return ids;
}

interface LoadFigures {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

function figures(result: autocannon.Result): LoadFigures {
  return { perSecond: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99, failed: result.non2xx + result.errors };
}

async function starts(url: string, seconds = SECONDS): Promise<LoadFigures> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/verifications',
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ to: nextNumber(), workflow: 'sms' }) }),
      },
    ],
  });
  return figures(result);
}

async function checks(url: string): Promise<LoadFigures> {
  const ids = await createMany(url, CHECK_TARGETS, 'sms-call-call');
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        // A 7-digit code never matches: every check is a counted wrong attempt (a CAS write).
        body: JSON.stringify({ code: '1234567' }),
        setupRequest: (req) => ({ ...req, path: `/v1/verifications/${ids[i++ % ids.length] as string}/check` }),
      },
    ],
  });
  return figures(result);
}

/** Waits until every verification's first step (the SMS) is recorded as completed. */
async function smsStepsDone(url: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1) {
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${url}/v1/verifications/${ids[i] as string}`, { headers: { authorization: AUTH } });
      const body = (await res.json()) as { attempts: Array<{ status: string }> };
      if (body.attempts[0]?.status === 'completed') break;
      if (tries > 300) throw new Error('SMS steps did not complete');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first (dist/cli/index.js is missing)');
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-'));
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const rows: Array<[string, LoadFigures, LoadFigures]> = [];
  try {
    for (const [label, store] of [['memory', 'memory'], ['redis', server.url]] as const) {
      await redis.flushall();
      const engine = await startEngine(store, dir);
      process.stderr.write(`${label}: warm-up…\n`);
      await starts(engine.url, 2);
      process.stderr.write(`${label}: starts…\n`);
      const s = await starts(engine.url);
      process.stderr.write(`${label}: checks…\n`);
      const c = await checks(engine.url);
      rows.push([label, s, c]);
      await engine.stop();
    }

    // Memory per pending verification: sms-call-call, its SMS sent, two steps still to come.
    await redis.flushall();
    const engine = await startEngine(server.url, dir);
    const before = await usedMemory(redis);
    process.stderr.write(`redis: ${PENDING} pending verifications…\n`);
    const ids = await createMany(engine.url, PENDING, 'sms-call-call');
    await smsStepsDone(engine.url, ids);
    const after = await usedMemory(redis);
    const keys = await redis.dbsize();
    const value = (await redis.get(`pv:r:${ids[0] as string}`)) as string;
    const record = decodeRecord(ids[0] as string, value.slice(0, value.lastIndexOf('\n')));
    const recordBytes = Number(await redis.call('MEMORY', 'USAGE', `pv:r:${record.id}`));
    const slotBytes = Number(await redis.call('MEMORY', 'USAGE', `pv:n:${record.keyId}|${record.to}`));
    await engine.stop();

    const fmt = (f: LoadFigures): string => `${f.perSecond.toFixed(0).padStart(6)}/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(4)} ms${f.failed ? `  (${f.failed} failed)` : ''}`;
    process.stdout.write(`\nstore benchmark — ${SECONDS} s per run, ${CONNECTIONS} connections, engine in its own process\n`);
    process.stdout.write(`${'store'.padEnd(8)} ${'starts'.padEnd(40)} checks\n`);
    for (const [label, s, c] of rows) process.stdout.write(`${label.padEnd(8)} ${fmt(s).padEnd(40)} ${fmt(c)}\n`);
    process.stdout.write(`redis/memory: starts ${(rows[1]![1].perSecond / rows[0]![1].perSecond).toFixed(2)}×, checks ${(rows[1]![2].perSecond / rows[0]![2].perSecond).toFixed(2)}×\n\n`);
    process.stdout.write(`Redis memory per pending verification (sms-call-call after its SMS, ${PENDING} pending):\n`);
    process.stdout.write(`  used_memory delta  ${((after - before) / PENDING).toFixed(0)} bytes per verification (${((after - before) / 1024 / 1024).toFixed(1)} MiB total)\n`);
    process.stdout.write(`  keys               ${(keys / PENDING).toFixed(2)} per verification (record, number slot; jobs share two structures)\n`);
    process.stdout.write(`  of which           record ${recordBytes} B, number slot ${slotBytes} B (MEMORY USAGE), two jobs ≈ ${((after - before) / PENDING - recordBytes - slotBytes).toFixed(0)} B\n`);
    process.stdout.write(`  record value       ${Buffer.byteLength(value)} bytes (plain JSON of the same record: ${Buffer.byteLength(JSON.stringify(record))} bytes; codec alone: ${Buffer.byteLength(encodeRecord(record))})\n`);
  } finally {
    await redis.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
