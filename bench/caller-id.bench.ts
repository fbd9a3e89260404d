/**
 * Flash call and missed call, engine time, against the fakes (issue 17):
 * 1. Flash hang-up: from the ringing event to the hang-up request leaving the driver, on the ARI
 *    driver (DELETE /channels) and the ESL driver (uuid_kill) against their wire-level fakes, the
 *    fake's ringing callee (+12025550104). Baseline: one bare HTTP round trip to the same fake.
 * 2. Missed call: a whole engine in process (simulator, memory store): from the inbound call's
 *    first event to the call refused and the verification approved, read back from the store.
 *    Baseline: one store read of a record in the same run.
 * 3. Matching by number in O(1): the same figure with 100 and with 1,000 missed-call
 *    verifications pending.
 *
 *   npx tsx bench/caller-id.bench.ts [calls=200]
 */
import { performance } from 'node:perf_hooks';
import { configSchema } from '../src/config/schema';
import { createEngine } from '../src/main';
import { simulatorOf } from '../src/app/pbx';
import type { Pbx } from '../src/pbx/port';
import { fakeAndDriver } from '../test/fakes/ari/harness';
import { startRig } from '../test/support/esl/harness';

const CALLS = Number(process.argv[2] ?? 200);
const RINGING = '+12025550104';

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

/** Ringing event → originate settled (the driver has sent its hang-up by then), per call. */
async function flashHangups(pbx: Pbx): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const stop = new AbortController();
    let rangAt = 0;
    await pbx.originate(
      { to: RINGING, lang: 'en', channel: 'flash_call', ringTimeoutMs: 10_000, tag: `bench-${i}`, onRinging: () => ((rangAt = performance.now()), stop.abort()) },
      { timeoutMs: 15_000, signal: stop.signal },
    );
    out.push(performance.now() - rangAt);
  }
  return out;
}

async function flash(): Promise<void> {
  const { fake, pbx } = await fakeAndDriver({ endpointTemplate: 'PJSIP/{number}@{trunk}' }, 0.05);
  const ari = await flashHangups(pbx);
  const bare: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await fetch(`http://127.0.0.1:${fake.port}/ari/asterisk/info`, { headers: { authorization: `Basic ${Buffer.from('pbxverify:secret').toString('base64')}` } }).then((r) => r.text());
    bare.push(performance.now() - t);
  }
  await pbx.stop();
  await fake.stop();
  const esl = await startRig({ fake: { timeScale: 0.05 } });
  const fs = await flashHangups(esl.pbx);
  await esl.close();
  console.log(`flash hang-up after the ringing event (${CALLS} calls each):`);
  console.log(`  ARI driver  p50 ${fmt(pct(ari, 50))}  p99 ${fmt(pct(ari, 99))}  max ${fmt(Math.max(...ari))}`);
  console.log(`  ESL driver  p50 ${fmt(pct(fs, 50))}  p99 ${fmt(pct(fs, 99))}  max ${fmt(Math.max(...fs))}`);
  console.log(`  baseline (bare HTTP round trip to the fake ARI) p50 ${fmt(pct(bare, 50))}; ARI p99 / baseline p50 = ${(pct(ari, 99) / pct(bare, 50)).toFixed(1)}`);
}

async function missedCall(pending: number): Promise<{ times: number[]; read: number[] }> {
  const config = configSchema.parse({
    port: 0,
    logLevel: 'silent',
    secret: 'bench-engine-secret-0123456789abcdefghij',
    history: { url: 'off' },
    apiKeys: [{ id: 'bench', secret: 'bench-secret-0123456789abcdef' }],
    missedCall: { numbers: [{ number: '+12025550190' }] },
    abuse: { enabled: false },
  });
  const engine = await createEngine(config);
  await engine.start();
  const key = config.apiKeys[0]!;
  const sim = simulatorOf(engine.pbx)!;
  const number = (i: number): string => `+1212555${String(1000 + i).padStart(4, '0')}`;
  const ids: string[] = [];
  for (let i = 0; i < pending; i++) ids.push((await engine.service.start(key, { to: number(i), channel: 'missed_call' })).record.id);
  const times: number[] = [];
  const read: number[] = [];
  const calls = Math.min(CALLS, pending);
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const call = await sim.placeInbound({ from: number(i), did: '+12025550190' });
    const record = await engine.service.get(key, ids[i] as string);
    const took = performance.now() - t;
    if (call.rejected !== 'busy' || record.status !== 'approved') throw new Error(`call ${i}: ${call.rejected} / ${record.status}`);
    times.push(took);
    const r = performance.now();
    await engine.store.get(ids[i] as string);
    read.push(performance.now() - r);
  }
  await engine.stop();
  return { times, read };
}

async function main(): Promise<void> {
  await flash();
  const few = await missedCall(100);
  const many = await missedCall(1_000);
  console.log(`missed call, first event → refused + approved (engine in process, memory store):`);
  console.log(`  100 pending    p50 ${fmt(pct(few.times, 50))}  p99 ${fmt(pct(few.times, 99))}  (${few.times.length} calls)`);
  console.log(`  1,000 pending  p50 ${fmt(pct(many.times, 50))}  p99 ${fmt(pct(many.times, 99))}  (${many.times.length} calls)`);
  console.log(`  1,000 / 100 pending (p50) = ${(pct(many.times, 50) / pct(few.times, 50)).toFixed(2)}  (O(1): the match is one line lookup)`);
  console.log(`  baseline (one store read) p50 ${fmt(pct(many.read, 50))}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
