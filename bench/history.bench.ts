/**
 * History (issue 13, "Performance"), in one run:
 * 1. starts/s through the API with history off, on SQLite and on PostgreSQL (same engine build,
 *    rounds interleaved so machine noise spreads over all three); target: on ≥ 0.9 × off;
 * 2. the conversion report for a month (group_by country×day, country, day) on a history of
 *    BENCH_HISTORY_COUNT (1,000,000) synthetic verifications, on both databases; p50/p99
 *    (target p99 < 200 ms), beside a bare `select 1` on the same database; the console's
 *    searches (with their EXPLAIN plans) and the dashboard's requests through an engine's HTTP
 *    API beside a bare GET /healthz (target < 300 ms);
 * 3. the CSV export of every attempt of that month, streamed by an engine process: its RSS growth
 *    (target < 100 MB);
 * 4. history bytes per verification on both databases.
 * The databases are filled by scripts/history-generate.ts; pass BENCH_HISTORY_SQLITE /
 * BENCH_HISTORY_PG (URLs of databases it filled, with BENCH_HISTORY_END = its --end) to skip
 * filling. BENCH_HISTORY_PARTS (default `starts,sqlite,postgres`) picks what runs. Otherwise a temp SQLite file and a throw-away PostgreSQL (Debian `postgresql`) are
 * filled here, which takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { openHistory, parseHistoryUrl } from '../src/history/open';
import type { GroupBy, VerificationFilter } from '../src/history/port';
import { startPostgresServer, type PostgresServer } from '../test/support/postgres-server';
import { measure, ROOT, startEngineProcess, type LoadResult } from './lib/processes';

const COUNT = Number(process.env.BENCH_HISTORY_COUNT ?? 1_000_000);
const END = Date.parse(process.env.BENCH_HISTORY_END ?? '2026-12-01T00:00:00Z');
const MONTH = { from: END - 30 * 86_400_000, to: END };
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const REPORT_RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 20);
const PARTS = new Set((process.env.BENCH_HISTORY_PARTS ?? 'starts,sqlite,postgres').split(','));
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

function load(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function fill(url: string): void {
  out(`filling ${url.replace(/\/\/[^@]*@/, '//…@')} with ${COUNT} verifications (scripts/history-generate.ts)…`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/history-generate.ts'), '--url', url, '--count', String(COUNT), '--end', new Date(END).toISOString()], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error('history-generate failed');
  out(`  ${res.stdout.trim()}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * p50/p99 of `runs` calls of `work` (after one warm-up call), ms, and the median CPU time this
 * process spent per call (with SQLite that includes the database's work; it depends far less on
 * the machine's load than wall time does).
 */
async function timed(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; p99: number; first: number; cpu: number }> {
  let t = process.hrtime.bigint();
  await work();
  const first = Number(process.hrtime.bigint() - t) / 1e6;
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    t = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(c);
    cpus.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), first, cpu: percentile(cpus, 50) };
}

const ms = (n: number): string => (n < 10 ? n.toFixed(1) : n.toFixed(0));

/** The console's Verifications page searches (25 a page, newest first) over the month. */
function searches(number: string): Array<[string, VerificationFilter]> {
  return [
    ['search: month', MONTH],
    ['search: number', { ...MONTH, number }],
    ['search: status=canceled', { ...MONTH, status: 'canceled' }],
    ['search: status=pending (none)', { ...MONTH, status: 'pending' }],
    ['search: number+status', { ...MONTH, number, status: 'approved' }],
  ];
}

async function reports(name: string, url: string): Promise<string> {
  const target = parseHistoryUrl(url, ROOT);
  if (target.kind === 'off') return '';
  const history = openHistory(target, { poolSize: 2 });
  try {
    await history.migrate();
    // bare baseline, same run: one round trip to the same database
    const bare = await timed(REPORT_RUNS, () => history.ping());
    out(`${name.padEnd(10)} baseline: select 1                               p50 ${ms(bare.p50)} ms  p99 ${ms(bare.p99)} ms   load ${load()}`);
    const shapes: Array<readonly GroupBy[]> = [['country', 'day'], ['country'], ['day']];
    for (const shape of shapes) {
      const r = await timed(REPORT_RUNS, () => history.conversion(shape, MONTH));
      const rows = (await history.conversion(shape, MONTH)).length;
      out(`${name.padEnd(10)} conversion by ${shape.join('×').padEnd(12)} (month, ${rows} rows, ${REPORT_RUNS} runs)  p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  bench-process CPU ${ms(r.cpu)} ms/call  (first call ${ms(r.first)} ms${shape.length === 2 ? ': rebuilds every dirty (day, key) bucket after the fill' : ''})   target p99 < 200 ms   load ${load()}`);
    }
    // a month whose edges are not whole UTC days: two partial days come from the base tables
    const shifted = { from: MONTH.from + 13 * 3_600_000, to: MONTH.to - 11 * 3_600_000 };
    const partial = await timed(REPORT_RUNS, () => history.conversion(['country', 'day'], shifted));
    out(`${name.padEnd(10)} conversion by country×day, month not day-aligned (2 partial days)   p50 ${ms(partial.p50)} ms  p99 ${ms(partial.p99)} ms  bench-process CPU ${ms(partial.cpu)} ms/call   load ${load()}`);
    const number = (await history.listVerifications({ ...MONTH }, 1)).items[0]?.number ?? '';
    for (const [label, filter] of searches(number)) {
      const r = await timed(REPORT_RUNS, () => history.listVerifications(filter, 25));
      out(`${name.padEnd(10)} ${label.padEnd(30)} p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  bench-process CPU ${ms(r.cpu)} ms/call   target < 300 ms   load ${load()}`);
      out(`${' '.repeat(11)}plan: ${(await history.explainSearch(filter, 25)).replace(/\n\s*/g, ' | ')}`);
    }
    return number;
  } finally {
    await history.close();
  }
}

/** The dashboard's and the Verifications page's requests, through an engine's HTTP API. */
async function httpRequests(name: string, engineUrl: string, number: string): Promise<void> {
  const get = async (path: string): Promise<void> => {
    const res = await fetch(`${engineUrl}${path}`, { headers: { authorization: auth } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  };
  const iso = (t: number): string => new Date(t).toISOString();
  const twoWeeks = `from=${iso(MONTH.to - 14 * 86_400_000)}&to=${iso(MONTH.to)}`;
  const requests: Array<[string, string]> = [
    ['dashboard: by day, 14 days', `/v1/reports/conversion?group_by=day&${twoWeeks}`],
    ['dashboard: by country×day, month', `/v1/reports/conversion?group_by=country,day&from=${iso(MONTH.from)}&to=${iso(MONTH.to)}`],
    ['verifications page: month', `/v1/verifications?from=${iso(MONTH.from)}&to=${iso(MONTH.to)}&limit=25`],
    ['verifications page: status', `/v1/verifications?from=${iso(MONTH.from)}&to=${iso(MONTH.to)}&status=canceled&limit=25`],
  ];
  if (/^\+\d+$/.test(number)) requests.push(['verifications page: number', `/v1/verifications?number=${encodeURIComponent(number)}&from=${iso(MONTH.from)}&to=${iso(MONTH.to)}&limit=25`]);
  const bare = await timed(REPORT_RUNS, () => get('/healthz'));
  out(`${name.padEnd(10)} HTTP baseline: GET /healthz                      p50 ${ms(bare.p50)} ms  p99 ${ms(bare.p99)} ms   load ${load()}`);
  for (const [label, path] of requests) {
    const r = await timed(REPORT_RUNS, () => get(path));
    out(`${name.padEnd(10)} HTTP ${label.padEnd(34)} p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms   target < 300 ms   load ${load()}`);
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function csvExport(name: string, url: string, number: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-history-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(file, stringify({ secret: 'bench-engine-secret-0123456789abcdef0123', apiKeys: [{ id: KEY.id, secret: KEY.secret, reports: true }], history: { url } }));
  const engine = await startEngineProcess({ PBXVERIFY_CONFIG: file, PBXVERIFY_LOG_LEVEL: 'warn' });
  const pid = engine.child.pid as number;
  try {
    await httpRequests(name, engine.url, number);
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssKb(pid);
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 50);
    const started = Date.now();
    const res = await fetch(`${engine.url}/v1/reports/attempts.csv?from=${new Date(MONTH.from).toISOString()}&to=${new Date(MONTH.to).toISOString()}`, { headers: { authorization: auth } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines++;
    }
    clearInterval(timer);
    const seconds = (Date.now() - started) / 1000;
    out(`${name.padEnd(10)} CSV export: ${lines - 1} attempts, ${(bytes / 1048576).toFixed(0)} MiB in ${seconds.toFixed(1)} s; engine RSS ${(before / 1024).toFixed(0)} → peak ${(peak / 1024).toFixed(0)} MiB, growth ${((peak - before) / 1024).toFixed(0)} MiB   target < 100 MB   status ${res.status}   load ${load()}`);
  } finally {
    await engine.stop();
  }
}

async function bytesPerVerification(name: string, url: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const size = [file, `${file}-wal`].filter(existsSync).reduce((s, f) => s + statSync(f).size, 0);
    const db = new Database(file, { readonly: true });
    const n = (db.prepare('SELECT count(*) AS n FROM verifications').get() as { n: number }).n;
    db.close();
    out(`${name.padEnd(10)} ${(size / 1048576).toFixed(0)} MiB on disk (file + WAL) for ${n} verifications: ${(size / Math.max(1, n)).toFixed(0)} bytes per verification (with its attempts and indexes)`);
    return;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const count = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM verifications')).rows[0]?.n ?? 0);
    const size = Number((await client.query<{ s: string }>("SELECT pg_total_relation_size('verifications') + pg_total_relation_size('attempts') + pg_total_relation_size('webhook_deliveries') + pg_total_relation_size('conversion_rollup') + pg_total_relation_size('rollup_dirty') AS s")).rows[0]?.s ?? 0);
    out(`${name.padEnd(10)} ${(size / 1048576).toFixed(0)} MiB (tables + indexes + TOAST, roll-up included) for ${count} verifications: ${(size / Math.max(1, count)).toFixed(0)} bytes per verification (with its attempts)`);
  } finally {
    await client.end();
  }
}

async function starts(history: string): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const engine = await startEngineProcess({
    PBXVERIFY_API_KEYS: `${KEY.id}:${KEY.secret}`,
    PBXVERIFY_SECRET: 'bench-engine-secret-0123456789abcdef0123',
    PBXVERIFY_SIMULATOR_SPEED: '1000',
    PBXVERIFY_ABUSE_CONTROLS: 'off',
    PBXVERIFY_LOG_LEVEL: 'warn',
    PBXVERIFY_HISTORY: history,
  });
  try {
    return await measure(engine.child.pid as number, { connections: 50, durationSec: DURATION, url: engine.url, path: '/v1/verifications', headers: { authorization: auth }, body: { kind: 'start', channel: 'sms', prefix: '+49151' } });
  } finally {
    await engine.stop();
  }
}

async function main(): Promise<void> {
  out(`history bench: ${COUNT} verifications, month ${new Date(MONTH.from).toISOString().slice(0, 10)}..${new Date(MONTH.to).toISOString().slice(0, 10)}; load average at start ${load()} (shared machine: figures are noisy)`);
  let pg: PostgresServer | undefined;
  try {
    let sqliteUrl = process.env.BENCH_HISTORY_SQLITE;
    let pgUrl = process.env.BENCH_HISTORY_PG;
    if (!sqliteUrl && PARTS.has('sqlite')) fill((sqliteUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-bench-sqlite-')), 'history.db')}`));
    if (!pgUrl && (PARTS.has('postgres') || PARTS.has('starts'))) {
      pg = await startPostgresServer();
      fill((pgUrl = pg.url));
    }

    // 1. starts: off / SQLite / PostgreSQL, interleaved rounds; SQLite and PostgreSQL each write into a fresh database
    if (PARTS.has('starts') && pgUrl) await startsBench(pgUrl);
    // 2–4 on the filled databases
    for (const [name, url] of [['sqlite', sqliteUrl], ['postgres', pgUrl]] as const) {
      if (!PARTS.has(name) || !url) continue;
      const number = await reports(name, url);
      // BENCH_HISTORY_CSV=off: reports and searches only (a re-run on a database filled before)
      if (process.env.BENCH_HISTORY_CSV !== 'off') await csvExport(name, url, number);
      await bytesPerVerification(name, url);
    }
  } finally {
    await pg?.stop();
  }
}

async function startsBench(pgUrl: string): Promise<void> {
  {
    const pgStarts = pgUrl.replace(/\/[^/?]*(\?|$)/, '/pbxverify_bench_starts$1');
    const admin = new Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS pbxverify_bench_starts');
    await admin.query('CREATE DATABASE pbxverify_bench_starts');
    await admin.end();
    const modes: Array<[string, string]> = [['off', 'off'], ['sqlite', `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-bench-starts-')), 'history.db')}`], ['postgres', pgStarts]];
    const results = new Map<string, number[]>(modes.map(([m]) => [m, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, url] of modes) {
        const r = await starts(url);
        results.get(mode)?.push(r.requestsPerSec);
        out(`round ${round + 1} ${mode.padEnd(8)} ${r.requestsPerSec.toFixed(0).padStart(5)} starts/s  p99 ${r.p99} ms  server CPU ${r.cpuMicrosPerRequest.toFixed(0)} µs/start  ${r.non2xx + r.errors ? `(${r.non2xx + r.errors} non-2xx/errors)` : ''}  load ${load()}`);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const off = median(results.get('off') ?? []);
    for (const mode of ['sqlite', 'postgres']) out(`starts with history on ${mode}: ${median(results.get(mode) ?? []).toFixed(0)}/s vs off ${off.toFixed(0)}/s → ratio ${(median(results.get(mode) ?? []) / off).toFixed(2)}×   target ≥ 0.9×`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
