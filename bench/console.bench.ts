/**
 * The console's costs: what 100 open Live pages (SSE clients of GET /v1/events, each getting every
 * event of the key) take from the API's start throughput, against the same engine with none, in
 * one run (none, 100, none again); and the size of the console's built JavaScript, gzipped.
 * Target (issue 16): 100 streams cost ≤ 5 % of start throughput; the JS ≤ 250 KB gzipped.
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { measure, startEngineProcess, TSX } from './lib/processes';

type Measured = Awaited<ReturnType<typeof measure>> & { sysShare: number; clientMicrosPerRequest?: number };

/** User and system CPU ticks of a process (Linux /proc). */
function ticks(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), sys: Number(fields[12]) };
}

/** {@link measure}, plus the server's share of system (kernel) CPU. */
async function measureSplit(pid: number, spec: Record<string, unknown>): Promise<Measured> {
  const before = ticks(pid);
  const result = await measure(pid, spec);
  const after = ticks(pid);
  const total = after.user - before.user + (after.sys - before.sys);
  return { ...result, sysShare: total ? (after.sys - before.sys) / total : 0 };
}

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** German mobile ranges (valid numbers, each run its own so none hits another's limits). */
const NONE_PREFIXES = ['+49151', '+49170', '+49172', '+49174', '+49176'];
const STREAM_PREFIXES = ['+49152', '+49171', '+49173', '+49175'];
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

function jsSize(): { files: number; raw: number; gzip: number } {
  const dir = join(__dirname, '..', 'dist', 'public', 'console', 'assets');
  const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
  const sizes = js.map((f) => readFileSync(join(dir, f)));
  return { files: js.length, raw: sizes.reduce((n, b) => n + b.length, 0), gzip: sizes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0) };
}

/** Opens `n` event streams in a niced process of their own (bench/lib/sse-clients.ts). */
async function openStreams(url: string, n: number): Promise<{ close(): Promise<{ events: number; cpuMicros: number }> }> {
  const child = spawn('nice', ['-n', '19', TSX, join(__dirname, 'lib', 'sse-clients.ts')], {
    env: { ...process.env, SSE_URL: `${url}/v1/events`, SSE_COUNT: String(n), SSE_AUTHORIZATION: auth },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('SSE clients did not open')), 90_000);
    const check = () => {
      if (!out.includes('open\n')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      resolve();
    };
    child.stdout.on('data', check);
  });
  return {
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as { events: number; cpuMicros: number }));
        child.stdin?.end();
      }),
  };
}

async function main(): Promise<void> {
  const size = jsSize();
  const engine = await startEngineProcess({
    PBXVERIFY_API_KEYS: `${KEY.id}:${KEY.secret}`,
    PBXVERIFY_SECRET: 'bench-engine-secret-0123456789abcdef0123',
    PBXVERIFY_SIMULATOR_SPEED: '1000',
    PBXVERIFY_ABUSE_CONTROLS: 'off',
    PBXVERIFY_HISTORY: `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-bench-console-')), 'history.db')}`,
    PBXVERIFY_LOG_LEVEL: 'warn',
  }, (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean));
  const pid = engine.child.pid as number;
  const spec = (prefix: string) => ({ connections: CONNECTIONS, durationSec: DURATION, url: engine.url, path: '/v1/verifications', headers: { authorization: auth }, body: { kind: 'start', channel: 'sms', prefix } });
  try {
    // warm-up (JIT, the history writer's first batches): not counted
    await measure(pid, { ...spec('+49150'), durationSec: Math.max(3, Math.round(DURATION / 2)) });
    // Interleaved (none, streams, none, streams, …, none): a shared machine's load drifts, and the
    // history writer's backlog grows, so each streams run is set against the runs either side.
    const none: Measured[] = [];
    const withStreams: Measured[] = [];
    let delivered = 0;
    none.push(await measureSplit(pid, spec(NONE_PREFIXES[0] as string)));
    for (let round = 0; round < ROUNDS; round++) {
      const streams = await openStreams(engine.url, STREAMS);
      await new Promise((r) => setTimeout(r, 1000));
      const measured = await measureSplit(pid, spec(STREAM_PREFIXES[round % STREAM_PREFIXES.length] as string));
      const clients = await streams.close();
      delivered += clients.events;
      withStreams.push({ ...measured, clientMicrosPerRequest: measured.total ? clients.cpuMicros / measured.total : 0 });
      await new Promise((r) => setTimeout(r, 1000));
      none.push(await measureSplit(pid, spec(NONE_PREFIXES[(round + 1) % NONE_PREFIXES.length] as string)));
    }
    const mean = (rs: Measured[], f: (r: Measured) => number) => rs.reduce((n, r) => n + f(r), 0) / rs.length;
    const rps = (r: Measured) => r.requestsPerSec;
    const cost = 1 - mean(withStreams, rps) / mean(none, rps);
    const cpu = (r: Measured) => r.cpuMicrosPerRequest;
    const row = (name: string, r: Measured) => `${name.padEnd(26)} ${r.requestsPerSec.toFixed(0).padStart(6)} starts/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(4)} ms  server CPU ${r.cpuMicrosPerRequest.toFixed(0).padStart(4)} µs/start (${(r.sysShare * 100).toFixed(0)} % kernel)${r.non2xx + r.errors ? `  ${r.non2xx + r.errors} failed ${JSON.stringify(r.statuses)}` : ''}  ${r.clientMicrosPerRequest === undefined ? '' : `  SSE clients ${r.clientMicrosPerRequest.toFixed(0)} µs/start`}`;
    process.stdout.write(`\nSSE clients against API starts (${DURATION} s each, ${CONNECTIONS} connections, simulator PBX, memory store, SQLite history; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
    none.forEach((r, i) => {
      process.stdout.write(`${row(`no streams (${i + 1})`, r)}\n`);
      const s = withStreams[i];
      if (s) process.stdout.write(`${row(`${STREAMS} streams (${i + 1})`, s)}\n`);
    });
    process.stdout.write(`(${delivered} events delivered to the streams)\n`);
    process.stdout.write(`${STREAMS} streams cost ${(cost * 100).toFixed(1)} % of start throughput (mean ${mean(withStreams, rps).toFixed(0)} vs ${mean(none, rps).toFixed(0)} starts/s; target ≤ 5 %)\n`);
    process.stdout.write(`server CPU per start: ${mean(withStreams, cpu).toFixed(0)} µs with ${STREAMS} streams vs ${mean(none, cpu).toFixed(0)} µs without (+${((mean(withStreams, cpu) / mean(none, cpu) - 1) * 100).toFixed(1)} %)\n`);
    process.stdout.write(`\nconsole JavaScript: ${size.files} file(s), ${(size.raw / 1024).toFixed(1)} KB, ${(size.gzip / 1024).toFixed(1)} KB gzipped (target ≤ 250 KB)\n`);
  } finally {
    await engine.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
