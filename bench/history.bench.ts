/**
 * History (issue 13, "Performance"), in one run:
 * 1. starts/s through the API with history off, on SQLite and on PostgreSQL (same engine build,
 *    rounds interleaved so machine noise spreads over all three); target: on ≥ 0.9 × off;
 * 2. the conversion report for a month (group_by country, then day) on a history of
 *    BENCH_HISTORY_COUNT (1,000,000) synthetic verifications, on both databases; p50/p99
 *    (target p99 < 200 ms);
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
import { Client } from 'pg';
import { stringify } from 'yaml';
import { openHistory, parseHistoryUrl } from '../src/history/open';
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

async function reports(name: string, url: string): Promise<void> {
  const target = parseHistoryUrl(url, ROOT);
  if (target.kind === 'off') return;
  const history = openHistory(target, { poolSize: 2 });
  try {
    for (const groupBy of ['country', 'day'] as const) {
      await history.conversion(groupBy, MONTH); // warm the cache
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < REPORT_RUNS; i++) {
        const t = process.hrtime.bigint();
        rows = (await history.conversion(groupBy, MONTH)).length;
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      times.sort((a, b) => a - b);
      out(`${name.padEnd(10)} conversion by ${groupBy.padEnd(7)} (month, ${rows} rows, ${REPORT_RUNS} runs)  p50 ${percentile(times, 50).toFixed(0)} ms  p99 ${percentile(times, 99).toFixed(0)} ms   target p99 < 200 ms   load ${load()}`);
    }
  } finally {
    await history.close();
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function csvExport(name: string, url: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-history-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(file, stringify({ secret: 'bench-engine-secret-0123456789abcdef0123', apiKeys: [{ id: KEY.id, secret: KEY.secret, reports: true }], history: { url } }));
  const engine = await startEngineProcess({ PBXVERIFY_CONFIG: file, PBXVERIFY_LOG_LEVEL: 'warn' });
  const pid = engine.child.pid as number;
  try {
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
    const history = openHistory({ kind: 'sqlite', file });
    const n = (await history.conversion('key', { from: 0, to: Number.MAX_SAFE_INTEGER })).reduce((sum, row) => sum + row.started, 0);
    await history.close();
    out(`${name.padEnd(10)} ${(size / 1048576).toFixed(0)} MiB on disk (file + WAL) for ${n} verifications: ${(size / Math.max(1, n)).toFixed(0)} bytes per verification (with its attempts and indexes)`);
    return;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const count = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM verifications')).rows[0]?.n ?? 0);
    const size = Number((await client.query<{ s: string }>("SELECT pg_total_relation_size('verifications') + pg_total_relation_size('attempts') + pg_total_relation_size('webhook_deliveries') AS s")).rows[0]?.s ?? 0);
    out(`${name.padEnd(10)} ${(size / 1048576).toFixed(0)} MiB (tables + indexes + TOAST) for ${count} verifications: ${(size / Math.max(1, count)).toFixed(0)} bytes per verification (with its attempts)`);
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
      await reports(name, url);
      await csvExport(name, url);
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
