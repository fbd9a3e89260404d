/**
 * Cluster-wide call-rate cap, measured: three engine processes (dist/) on one real redis-server
 * share a trunk capped at 20 calls/s; each engine is offered 20 new call verifications per second
 * (60/s in all) for 30 s. The rate of calls the trunk took is read from GET /v1/trunks (`attempts`,
 * summed over the engines) and printed beside the cap. Target: within ±5 % of 20.
 *
 * Two figures: the whole 30 s window (it includes the token bucket's initial burst of 20), and the
 * steady part from 5 s to 30 s. The offered calls the cap holds back wait (the route's last trunk
 * polls for a token) until their attempt's deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../test/support/redis-server';
import { startEngineProcess } from './lib/processes';

const CAP = 20;
const OFFERED_PER_ENGINE = 20;
const SECONDS = 30;
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef', admin: true, quota: { perHour: null, perDay: null } };
const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;

async function attempts(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/trunks`, { headers: { authorization: auth } });
  const body = (await res.json()) as { trunks: Array<{ name: string; attempts: number }> };
  return body.trunks.find((t) => t.name === 'capped')?.attempts ?? 0;
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-cluster-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: redis.url,
      secret: 'bench-engine-secret-0123456789abcdef',
      apiKeys: [KEY],
      abuse: { enabled: false },
      simulator: { speed: 20 },
      trunks: [{ name: 'capped', cps: CAP, callerIds: ['+12025550180'] }],
      routes: [{ trunks: ['capped'] }],
      logLevel: 'warn',
    }),
  );
  const engines = await Promise.all([0, 1, 2].map(() => startEngineProcess({ PBXVERIFY_CONFIG: config })));
  const load = [loadavg()[0] as number];
  let offered = 0;
  let refused = 0;
  const sent: Array<Promise<void>> = [];
  const start = performance.now();
  const samples: Array<{ at: number; total: number }> = [];
  const sample = async (): Promise<void> => {
    const at = (performance.now() - start) / 1000;
    const counts = await Promise.all(engines.map((e) => attempts(e.url)));
    samples.push({ at, total: counts.reduce((a, b) => a + b, 0) });
  };
  const sampler = setInterval(() => void sample(), 5_000);
  const interval = 1000 / (OFFERED_PER_ENGINE * engines.length);
  for (let i = 0; performance.now() - start < SECONDS * 1000; i++) {
    const engine = engines[i % engines.length]!;
    const to = `+1202${String(2_000_000 + i).padStart(7, '0')}`;
    offered++;
    sent.push(
      fetch(`${engine.url}/v1/verifications`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ to, channel: 'call' }) }).then(
        async (res) => {
          if (res.status !== 201) refused++;
          await res.arrayBuffer();
        },
        () => void refused++,
      ),
    );
    const next = start + (i + 1) * interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  clearInterval(sampler);
  await sample();
  load.push(loadavg()[0] as number);
  await Promise.all(sent);
  const whole = samples.at(-1) as { at: number; total: number };
  const at5 = samples.find((s) => s.at >= 4.5) ?? samples[0]!;
  const steady = (whole.total - at5.total) / (whole.at - at5.at);
  process.stdout.write(`\nCluster-wide call-rate cap: 3 engine processes, one redis-server, cap ${CAP} calls/s, offered ${OFFERED_PER_ENGINE * engines.length}/s for ${SECONDS} s\n`);
  process.stdout.write(`  offered ${offered} verifications (${(offered / whole.at).toFixed(1)}/s), refused by the API ${refused}\n`);
  process.stdout.write(`  samples (s: calls taken by the trunk): ${samples.map((s) => `${s.at.toFixed(1)}: ${s.total}`).join(', ')}\n`);
  process.stdout.write(`  whole window : ${whole.total} calls in ${whole.at.toFixed(1)} s = ${(whole.total / whole.at).toFixed(2)} calls/s (${(((whole.total / whole.at) / CAP - 1) * 100).toFixed(1)} % off the cap; includes the initial burst of ${CAP})\n`);
  process.stdout.write(`  steady (5 s → end): ${(steady).toFixed(2)} calls/s (${((steady / CAP - 1) * 100).toFixed(1)} % off the cap; target ±5 %)\n`);
  process.stdout.write(`  load average (1 min) before / after: ${load.map((l) => l.toFixed(1)).join(' / ')}\n`);
  for (const e of engines) await e.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
