/**
 * The console's costs: what 100 open Live pages (SSE clients of GET /v1/events, each getting every
 * event of the key) take from the API's start throughput, against the same engine with none, in
 * one run (none, 100, none again); and the size of the console's built JavaScript, gzipped.
 * Target (issue 16): 100 streams cost ≤ 5 % of start throughput; the JS ≤ 250 KB gzipped.
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { measure, startEngineProcess } from './lib/processes';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

function jsSize(): { files: number; raw: number; gzip: number } {
  const dir = join(__dirname, '..', 'dist', 'public', 'console', 'assets');
  const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
  const sizes = js.map((f) => readFileSync(join(dir, f)));
  return { files: js.length, raw: sizes.reduce((n, b) => n + b.length, 0), gzip: sizes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0) };
}

/** Opens `n` event streams; counts the events they receive. */
function openStreams(url: string, n: number): { close(): void; events(): number } {
  let events = 0;
  const requests = Array.from({ length: n }, () => {
    const req = request(`${url}/v1/events`, { headers: { authorization: auth } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        events += chunk.toString().split('\nevent: ').length - 1;
      });
    });
    req.on('error', () => undefined);
    req.end();
    return req;
  });
  return { close: () => requests.forEach((r) => r.destroy()), events: () => events };
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
  });
  const pid = engine.child.pid as number;
  const spec = (prefix: string) => ({ connections: CONNECTIONS, durationSec: DURATION, url: engine.url, path: '/v1/verifications', headers: { authorization: auth }, body: { kind: 'start', channel: 'sms', prefix } });
  try {
    // warm-up (JIT, the history writer's first batches): not counted
    await measure(pid, { ...spec('+49150'), durationSec: Math.max(3, Math.round(DURATION / 2)) });
    const before = await measure(pid, spec('+49151'));
    const streams = openStreams(engine.url, STREAMS);
    await new Promise((r) => setTimeout(r, 1000));
    const withStreams = await measure(pid, spec('+49152'));
    const delivered = streams.events();
    streams.close();
    await new Promise((r) => setTimeout(r, 1000));
    const after = await measure(pid, spec('+49153'));
    const none = (before.requestsPerSec + after.requestsPerSec) / 2;
    const cost = 1 - withStreams.requestsPerSec / none;
    const row = (name: string, r: typeof before) => `${name.padEnd(26)} ${r.requestsPerSec.toFixed(0).padStart(6)} starts/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(4)} ms  server CPU ${r.cpuMicrosPerRequest.toFixed(0).padStart(4)} µs/start`;
    process.stdout.write(`\nSSE clients against API starts (${DURATION} s each, ${CONNECTIONS} connections, simulator PBX, memory store, SQLite history)\n`);
    process.stdout.write(`${row('no streams (before)', before)}\n${row(`${STREAMS} streams`, withStreams)}  (${delivered} events delivered to them)\n${row('no streams (after)', after)}\n`);
    process.stdout.write(`${STREAMS} streams cost ${(cost * 100).toFixed(1)} % of start throughput (ratio ${(withStreams.requestsPerSec / none).toFixed(3)}×; target ≤ 5 %)\n`);
    process.stdout.write(`\nconsole JavaScript: ${size.files} file(s), ${(size.raw / 1024).toFixed(1)} KB, ${(size.gzip / 1024).toFixed(1)} KB gzipped (target ≤ 250 KB)\n`);
  } finally {
    await engine.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
