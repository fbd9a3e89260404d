/**
 * API throughput against the simulator, beside a bare fastify route, in the same run.
 * Load comes from a separate autocannon process. Prints starts/s and checks/s with p50/p99 and
 * the ratio to the bare route (targets: starts ≥ 0.5×, checks ≥ 0.7×).
 */
import { measure, startBareServer, startEngineProcess, type LoadResult } from './lib/processes';

type Measured = LoadResult & { cpuMicrosPerRequest: number };

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Pending verifications the checks spread over (each takes at most 4 wrong codes before the 5th would fail it). */
const CHECK_POOL = Number(process.env.BENCH_CHECK_POOL ?? 40_000);
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

function line(name: string, r: Measured, bare?: Measured): string {
  const ratio = bare ? `  ratio ${(r.requestsPerSec / bare.requestsPerSec).toFixed(2)}× (CPU ${(bare.cpuMicrosPerRequest / r.cpuMicrosPerRequest).toFixed(2)}×)` : '';
  const bad = r.non2xx + r.errors + r.timeouts;
  return `${name.padEnd(22)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(4)} ms  server CPU ${r.cpuMicrosPerRequest.toFixed(0).padStart(4)} µs/req${ratio}${bad ? `  (${bad} non-2xx/errors)` : ''}`;
}

async function main(): Promise<void> {
  const common = { connections: CONNECTIONS, durationSec: DURATION, headers: {} };
  const bare = await startBareServer();
  const bareStart = await measure(bare.pid, { ...common, url: bare.url, path: '/bare', body: { kind: 'bare' } });
  await bare.stop();

  const engine = await startEngineProcess({
    PBXVERIFY_API_KEYS: `${KEY.id}:${KEY.secret}`,
    PBXVERIFY_SECRET: 'bench-engine-secret-0123456789abcdef0123',
    PBXVERIFY_SIMULATOR_SPEED: '1000',
    // one key starting thousands of verifications in one number range is what abuse controls refuse
    PBXVERIFY_ABUSE_CONTROLS: 'off',
    PBXVERIFY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  });
  try {
    const starts = await measure(engine.child.pid as number, { ...common, url: engine.url, path: '/v1/verifications', headers: { authorization: auth }, body: { kind: 'start', channel: 'sms', prefix: '+49151' } });

    // Checks: wrong codes spread over pending verifications (full HMAC + compare-and-set path);
    // 4 wrong checks each at most, so every one stays pending.
    const ids: string[] = [];
    for (let i = 0; ids.length < CHECK_POOL; i++) {
      const batch = await Promise.all(
        Array.from({ length: 200 }, (_, j) =>
          fetch(`${engine.url}/v1/verifications`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: auth },
            body: JSON.stringify({ to: `+49152${String(i * 200 + j).padStart(8, '0')}`, channel: 'sms' }),
          }).then((r) => r.json() as Promise<{ id: string }>),
        ),
      );
      ids.push(...batch.map((b) => b.id));
    }
    const checks = await measure(engine.child.pid as number, { ...common, url: engine.url, path: '', headers: { authorization: auth }, body: { kind: 'check', ids, code: '0000000000' } });

    process.stdout.write(`\nAPI throughput (${DURATION} s each, ${CONNECTIONS} connections, load from a second process, simulator PBX, memory store)\n`);
    process.stdout.write(`${line('bare fastify route', bareStart)}\n`);
    process.stdout.write(`${line('start (POST sms)', starts, bareStart)}   target ≥ 0.5×\n`);
    process.stdout.write(`${line('check (POST …/check)', checks, bareStart)}   target ≥ 0.7×\n`);
    if (checks.statuses['4xx']) process.stdout.write(`  note: ${checks.statuses['4xx']} checks answered 4xx\n`);
    process.stdout.write('  ratio = req/s against the bare route; (CPU …×) = bare route CPU per request / ours: the figure that holds on a busy machine\n');
  } finally {
    await engine.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
