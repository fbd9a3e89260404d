/**
 * API latency and throughput against the simulator, beside a bare fastify route in the same run
 * (issue 18: a bench that reports the truth). Load comes from a separate autocannon process;
 * abuse controls stay on (the key's quota is unlimited and a range may see 1,000 numbers).
 *
 * Every window is preceded by a warm-up on the same target, and the bare route's windows are
 * interleaved with the engine's, round after round, so that a disturbance of a shared machine hits
 * both. Two kinds of window:
 * - saturation: as many requests as 50 connections get through (req/s, p50/p99, ratio to bare);
 * - fixed rate: starts at 1,000/s and checks at 3,000/s arriving at a constant rate (p50/p99, the
 *   figures a user feels; targets memory: starts p99 ≤ 25 ms, checks p99 ≤ 10 ms).
 * A start's request path (a workflow whose first step is an hour away: no step runs) is reported
 * apart from a start whose SMS step runs at once. CPU µs per start, per check and per complete
 * verification (start with its step + one check) are compared with the reference line in
 * docs/benchmarks.md: a figure more than 10 % worse says so (exit status 1 with BENCH_STRICT=1).
 *
 * BENCH_STORE=redis runs the engine on a redis-server started here on loopback (no persistence);
 * redis-server's CPU is added to the engine's. With two or more CPUs (BENCH_PIN=0 turns it off)
 * the servers under test (engine, its redis-server, the bare route) run on CPU 0 and the load
 * generator on CPU 1 (taskset), so the load generator does not compete with them; one extra
 * bare window per round runs unpinned to show what that competition costs.
 * Checks spread over pools of pending verifications made for each check window (warm-up and
 * measured apart), so that no verification takes more than 4 wrong codes (the 5th fails it).
 *
 * Every engine window also shows the engine's own event-loop delay (p50/p99/max) and GC pauses
 * over the window, scraped from its /metrics before and after (bench/lib/engine-probe.ts): a tail
 * that the loop delay does not show is queueing, not blocking.
 * BENCH_ONLY=@ runs only the windows whose name contains one of the comma-separated parts ("@":
 * the fixed-rate ones); BENCH_CPU_PROF=<dir> writes the engine's `--cpu-prof` there on exit;
 * BENCH_COMPARE=<another checkout, built> runs every engine window on that build's engine too,
 * right after this one's ("[compare]"), for old-and-new figures from one run.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../test/support/redis-server';
import { loopSample, scrape, type LoopSample } from './lib/engine-probe';
import { cpuSeconds, measure, ROOT, runLoad, setAffinity, startBareServer, startEngineProcess, type LoadResult } from './lib/processes';

type Measured = LoadResult & { cpuMicrosPerRequest: number; redisMicros: number; load: number; loop?: LoopSample };

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const START_RATE = Number(process.env.BENCH_START_RATE ?? 1000);
const CHECK_RATE = Number(process.env.BENCH_CHECK_RATE ?? 3000);
/** Checks per second a saturation window may reach at most (sizes its pool of pending verifications). */
const CHECK_MAX_RATE = Number(process.env.BENCH_CHECK_MAX_RATE ?? 8000);
const STORE = process.env.BENCH_STORE === 'redis' ? 'redis' : 'memory';
const PIN = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2;
/** CPUs of the servers under test and of the load generator (undefined: not pinned). */
const SERVER_CPU = PIN ? '0' : undefined;
const LOAD_CPU = PIN ? '1' : undefined;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const COMPARE = process.env.BENCH_COMPARE;
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

/** `<!-- bench-reference api: start-path=… start=… check=… complete=… -->` in docs/benchmarks.md (`api-redis`: the Redis store's, redis-server included): CPU µs. */
function reference(): Record<string, number> {
  const text = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8');
  const name = STORE === 'redis' ? 'api-redis' : 'api';
  const line = new RegExp(`<!-- bench-reference ${name}: ([^>]*) -->`).exec(text)?.[1] ?? '';
  return Object.fromEntries([...line.matchAll(/([a-z-]+)=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
}

/** Non-2xx answers by class, and transport errors, over a window's runs. */
function statuses(rs: Measured[]): string {
  const sum = (f: (r: Measured) => number): number => rs.reduce((a, r) => a + f(r), 0);
  return [`4xx ${sum((r) => r.statuses['4xx'] ?? 0)}`, `5xx ${sum((r) => r.statuses['5xx'] ?? 0)}`, `errors ${sum((r) => r.errors)}`, `timeouts ${sum((r) => r.timeouts)}`].join(', ');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function range(values: number[], digits = 0): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

let firstN = 1;
/** Numbers never repeat across windows (the flood limit counts per number). */
function startBody(channelOrWorkflow: { channel: string } | { workflow: string }): Record<string, unknown> {
  return { kind: 'start', prefix: '+49151', spread: true, ...channelOrWorkflow };
}

/** The engine's configuration: every abuse control on, SQLite history at `historyDb`. */
function settings(historyDb: string): Record<string, unknown> {
  return {
    apiKeys: [{ ...KEY, quota: { perHour: null, perDay: null } }],
    secret: 'bench-engine-secret-0123456789abcdef0123',
    simulator: { speed: 1000 },
    // Every control on; the range velocity limit allows the bench's many numbers per range.
    abuse: { velocity: { maxNumbers: 1000 } },
    history: { url: `sqlite:${historyDb}` },
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    // A start with no step to run within the bench: its request path alone.
    workflows: { 'bench-later': [{ channel: 'sms', waitSeconds: 3600, code: 'same' }] },
  };
}

interface Target {
  suffix: string;
  url: string;
  pid: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-api-bench-'));
  /** Each engine gets a configuration (and a history database) of its own. */
  const configFor = (name: string): string => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(settings(join(dir, `${name}-history.db`))));
    return file;
  };
  let redis: RedisServer | undefined;
  if (STORE === 'redis') {
    redis = await startRedisServer();
    if (SERVER_CPU !== undefined) setAffinity(redis.pid as number, SERVER_CPU);
  }
  const bare = await startBareServer(SERVER_CPU);
  // PBXVERIFY_* of the bench's own environment go to the engines (PBXVERIFY_HISTORY=off: the bench without the history writer).
  const passed = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('PBXVERIFY_') && e[1] !== undefined));
  const storeEnv = (db: number): Record<string, string> => ({ ...passed, ...(redis ? { PBXVERIFY_STORE: redis.url.replace(/\/0$/, `/${db}`) } : {}) });
  const engine = await startEngineProcess({ PBXVERIFY_CONFIG: configFor('engine'), ...storeEnv(0) }, CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [], SERVER_CPU);
  const other = COMPARE ? await startEngineProcess({ PBXVERIFY_CONFIG: configFor('compare'), ...storeEnv(1) }, [], SERVER_CPU, COMPARE) : undefined;
  const enginePid = engine.child.pid as number;
  const common = { connections: CONNECTIONS, durationSec: DURATION, headers: {} as Record<string, string> };
  const results = new Map<string, Measured[]>();
  /** The engines under test: this build, and the compared one after it. */
  const targets: Target[] = [{ suffix: '', url: engine.url, pid: enginePid }, ...(other ? [{ suffix: ' [compare]', url: other.url, pid: other.child.pid as number }] : [])];

  /** Pending verifications for `checks` wrong codes, at most 4 each (the 5th would fail it). */
  let poolN = 0;
  const checkPool = async (url: string, checks: number): Promise<string[]> => {
    const ids: string[] = [];
    const want = Math.ceil(checks / 4);
    for (let tries = 0; ids.length < want; tries++) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, want - ids.length) }, () => {
          const digits = String(poolN++).padStart(8, '0');
          return fetch(`${url}/v1/verifications`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: auth },
            body: JSON.stringify({ to: `+49152${digits.slice(4)}${digits.slice(0, 4)}`, workflow: 'bench-later' }),
          }).then((r) => r.json() as Promise<{ id?: string }>);
        }),
      );
      ids.push(...batch.flatMap((b) => (b.id ? [b.id] : [])));
      if (tries > want / 50 + 10) throw new Error('could not create the check pool (abuse controls refused starts?)');
    }
    return ids;
  };

  const window = async (name: string, target: { pid: number; url?: string }, spec: Record<string, unknown>, opts: { checksPerSec?: number; cpus?: string | undefined } = {}): Promise<void> => {
    if (ONLY.length && !ONLY.some((part) => name.includes(part))) return;
    const cpus = 'cpus' in opts ? opts.cpus : LOAD_CPU;
    const next = async (seconds: number): Promise<Record<string, unknown>> => {
      const n = firstN;
      firstN += 200_000;
      // A check window's warm-up and measured load each get a pool of their own, starting at its first id.
      const body = opts.checksPerSec ? { ...(spec.body as object), ids: await checkPool(spec.url as string, opts.checksPerSec * seconds) } : spec.body;
      return { ...spec, body, durationSec: seconds, firstN: opts.checksPerSec ? -1 : n };
    };
    if (WARMUP > 0) await runLoad(await next(WARMUP), cpus);
    const spec2 = await next(DURATION);
    const redisBefore = redis?.pid ? cpuSeconds(redis.pid) : 0;
    // The engine's loop delays since this scrape (it resets them), before its CPU is read.
    const before = target.url ? await scrape(target.url) : undefined;
    const r = await measure(target.pid, spec2, cpus);
    const redisMicros = redis?.pid && target.url && r.total ? ((cpuSeconds(redis.pid) - redisBefore) * 1e6) / r.total : 0;
    const loop = before && target.url ? loopSample(before, await scrape(target.url)) : undefined;
    const m: Measured = { ...r, cpuMicrosPerRequest: r.cpuMicrosPerRequest + redisMicros, redisMicros, load: loadavg()[0] ?? 0, ...(loop ? { loop } : {}) };
    results.set(name, [...(results.get(name) ?? []), m]);
  };
  /** One window per engine under test, this build's first. */
  const engineWindow = async (name: string, spec: (url: string) => Record<string, unknown>, opts: { checksPerSec?: number } = {}): Promise<void> => {
    for (const t of targets) await window(`${name}${t.suffix}`, t, spec(t.url), opts);
  };

  try {
    const eng = (url: string): Record<string, unknown> => ({ ...common, url, path: '/v1/verifications', headers: { authorization: auth } });
    // Checks: wrong codes spread over pending verifications (full HMAC + compare-and-set path).
    const check = (url: string): Record<string, unknown> => ({ ...eng(url), path: '', body: { kind: 'check', ids: [], code: '0000000000' } });
    const bareAt = { ...common, url: bare.url, path: '/bare', rate: START_RATE, body: { kind: 'bare' } };
    const barePid = { pid: bare.pid };
    for (let round = 0; round < ROUNDS; round++) {
      await window('bare route', barePid, { ...common, url: bare.url, path: '/bare', body: { kind: 'bare' } });
      await engineWindow('start, request path', (url) => ({ ...eng(url), body: startBody({ workflow: 'bench-later' }) }));
      await engineWindow('start + SMS step', (url) => ({ ...eng(url), body: startBody({ channel: 'sms' }) }));
      await engineWindow('check (wrong code)', check, { checksPerSec: CHECK_MAX_RATE });
      await window(`bare route @${START_RATE}/s`, barePid, bareAt);
      if (SERVER_CPU !== undefined && (!ONLY.length || ONLY.some((part) => `bare route @${START_RATE}/s, unpinned`.includes(part)))) {
        // The same window with the bare server and the load generator free to share both CPUs.
        setAffinity(bare.pid, '0-1');
        await window(`bare route @${START_RATE}/s, unpinned`, barePid, bareAt, { cpus: undefined }).finally(() => setAffinity(bare.pid, SERVER_CPU));
      }
      await engineWindow(`start + SMS step @${START_RATE}/s`, (url) => ({ ...eng(url), rate: START_RATE, body: startBody({ channel: 'sms' }) }));
      await engineWindow(`check @${CHECK_RATE}/s`, (url) => ({ ...check(url), rate: CHECK_RATE }), { checksPerSec: Math.ceil(CHECK_RATE * 1.1) });
    }
  } finally {
    await engine.stop();
    await other?.stop();
    await bare.stop();
    await redis?.stop();
  }

  const bareCpu = median((results.get('bare route') ?? []).map((r) => r.cpuMicrosPerRequest));
  process.stdout.write(
    `\nAPI (${ROUNDS} rounds of ${DURATION} s windows, ${WARMUP} s warm-up each, bare windows interleaved; ${CONNECTIONS} connections from a second process; ${STORE} store, simulator PBX, abuse controls on; ${PIN ? 'servers pinned to CPU 0, load generator to CPU 1' : 'not pinned'})\n`,
  );
  const pad = Math.max(...[...results.keys()].map((n) => n.length)) + 1;
  for (const [name, rs] of results) {
    const bad = rs.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
    const cpu = rs.map((r) => r.cpuMicrosPerRequest);
    process.stdout.write(
      `${name.padEnd(pad)} ${range(rs.map((r) => r.requestsPerSec)).padStart(11)} req/s  p50 ${range(rs.map((r) => r.p50)).padStart(7)} ms  p99 ${range(rs.map((r) => r.p99)).padStart(9)} ms  CPU ${range(cpu).padStart(9)} µs/req` +
        `${name.startsWith('bare') || Number.isNaN(bareCpu) ? '' : `  CPU ratio ${(bareCpu / median(cpu)).toFixed(2)}×`}${redis && !name.startsWith('bare') ? ` (redis-server ${range(rs.map((r) => r.redisMicros))} µs of it)` : ''}  load ${range(rs.map((r) => r.load), 1)}${bad ? `  (${bad} non-2xx/errors: ${statuses(rs)})` : ''}\n`,
    );
    const loops = rs.flatMap((r) => (r.loop ? [r.loop] : []));
    if (loops.length) {
      const f = (pick: (l: LoopSample) => number): string => range(loops.map(pick));
      process.stdout.write(
        `${''.padEnd(pad)} latency max ${range(rs.map((r) => r.max))} ms; engine loop delay p50 ${range(loops.map((l) => l.p50), 1)} p99 ${f((l) => l.p99)} max ${f((l) => l.max)} ms; GC ${f((l) => l.gcMs)} ms in ${f((l) => l.gcCount)} pauses (${f((l) => l.gcOver10ms)} > 10 ms)\n`,
      );
    }
  }
  const cpuOf = (name: string): number => median((results.get(name) ?? []).map((r) => r.cpuMicrosPerRequest));
  const figures: Record<string, number> = {
    'start-path': cpuOf('start, request path'),
    start: cpuOf('start + SMS step'),
    check: cpuOf('check (wrong code)'),
  };
  figures.complete = (figures.start ?? 0) + (figures.check ?? 0);
  // Windows left out (BENCH_ONLY) have no figure.
  for (const [name, value] of Object.entries(figures)) if (Number.isNaN(value)) delete figures[name];
  const ref = reference();
  let worse = 0;
  process.stdout.write('\nCPU per operation (median), against docs/benchmarks.md (bench-reference):\n');
  for (const [name, value] of Object.entries(figures)) {
    const was = ref[name];
    const change = was ? (value - was) / was : undefined;
    const flag = change !== undefined && change > 0.1 ? '  MORE THAN 10 % WORSE' : '';
    if (flag) worse++;
    process.stdout.write(`  ${name.padEnd(11)} ${value.toFixed(0).padStart(5)} µs${was ? `  (reference ${was} µs, ${change !== undefined && change >= 0 ? '+' : ''}${((change ?? 0) * 100).toFixed(0)} %)` : '  (no reference)'}${flag}\n`);
  }
  process.stdout.write('  complete = start with its SMS step + one check\n');
  if (worse && process.env.BENCH_STRICT === '1') process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
