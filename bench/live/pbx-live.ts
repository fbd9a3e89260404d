/**
 * `npm run bench:live` (issue 18): the engine against a bare client on a live PBX, in the same run.
 * Opt-in like `npm run test:live` and never part of `npm test` or `npm run bench`; the PBX is the
 * one PBXVERIFY_LIVE_PBX names, with the live suite's settings (docs/live-tests.md).
 *
 * 1. Post-answer silence (200 OK → first voiced RTP packet) at a recording SIP phone on loopback
 *    (test/support/rtp-phone.ts): the engine's voice call script (runVoice, through the driver)
 *    with each lead-in, interleaved call by call with a bare ARI `play` / bare ESL `playback` of
 *    the announcement's first prompt; p50/p99 of engine − lead-in against bare. Each engine call
 *    is also compared with `prompts render` (lag, differing samples).
 * 2. Calls per second with 40 calls in flight: the engine's driver (originate, answered, hang up)
 *    against raw originates of the bare client through the same PBX to the same phone, rounds
 *    interleaved. Starts are paced on both sides below the PBX's session-rate limit when it has
 *    one (FreeSWITCH's sessions-per-second): above it FreeSWITCH refuses originates
 *    (`Throttle Error!`, -ERR DESTINATION_OUT_OF_ORDER), whichever side sends them.
 *
 * Fails (non-zero) when no PBX is configured or reachable, or when a phase measured nothing.
 *
 *   npm run bench:live -- [calls per lead-in=8; 0 = calls/s only] [lead-ins=0,240,500] [cps calls=200] [in flight=40] [pace=0.9; 0 = unpaced]
 *
 * A run in which any call failed exits non-zero: failed calls end fast and inflate calls/s. The
 * failure reasons are printed (originate results and hang-up causes).
 */
import { loadavg } from 'node:os';
import { PAUSES } from '../../src/prompts/sequence';
import type { Pbx } from '../../src/pbx/port';
import { liveDriver } from '../../test/live/ari-support';
import { phoneAddress, voiceCallHeard } from '../../test/live/audio-support';
import { LIVE_SIP_PROFILE, livePbx, liveSettings } from '../../test/live/esl-support';
import { compareWithRender } from '../../test/support/rtp-audio';
import { RtpPhone } from '../../test/support/rtp-phone';
import { renderPcm } from '../../src/prompts/render';
import { runCalls, StartPacer, type CallRun } from '../lib/calls';
import { bareAsterisk, bareFreeSwitch, percentile, SOUNDS, type BarePbx } from './live-common';

const CALLS = Number(process.argv[2] ?? 8);
const LEAD_INS = (process.argv[3] ?? '0,240,500').split(',').map(Number);
const CPS_CALLS = Number(process.argv[4] ?? 200);
const IN_FLIGHT = Number(process.argv[5] ?? 40);
/** Starts per second on both sides as a share of the PBX's session-rate limit; 0: not paced (to show the limit at work). */
const PACE = Number(process.argv[6] ?? 0.9);
/** A one-digit code keeps an engine call short (about 6 s); the start of the call is what is measured. */
const CODE = '7';
const FIRST_PROMPT = 'your-code-is';
const env = (name: string): string | undefined => process.env[name] || undefined;

interface Side {
  name: string;
  engine: Pbx;
  bare: BarePbx;
  phone: RtpPhone;
}

async function open(): Promise<Side> {
  const url = env('PBXVERIFY_LIVE_PBX') ?? '';
  const kind = /^aris?:\/\//.test(url) ? 'asterisk' : /^esl:\/\//.test(url) ? 'freeswitch' : undefined;
  if (!kind) throw new Error('npm run bench:live needs PBXVERIFY_LIVE_PBX (ari://… or esl://…) and PBXVERIFY_LIVE_RTP_PHONE, as npm run test:live (docs/live-tests.md)');
  const { host, port } = phoneAddress(env('PBXVERIFY_LIVE_RTP_PHONE') ?? '');
  const phone = new RtpPhone(host, port);
  await phone.start();
  if (kind === 'asterisk') {
    const template = env('PBXVERIFY_LIVE_SIP_TEMPLATE');
    if (!template) throw new Error('Asterisk: set PBXVERIFY_LIVE_SIP_TEMPLATE (e.g. PJSIP/{number}@uas) to reach the phone');
    const engine = liveDriver({ endpointTemplate: template });
    await engine.start();
    return { name: 'asterisk', engine, bare: await bareAsterisk(url, template), phone };
  }
  const dial = `sofia/${LIVE_SIP_PROFILE}/{number}@${host}:${port}`;
  const engine = livePbx({ dialString: dial });
  await engine.start();
  return { name: 'freeswitch', engine, bare: await bareFreeSwitch(url, dial, liveSettings().soundsDir), phone };
}

const fmt = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(0)} ms, p99 ${percentile(xs, 99).toFixed(0)} ms`;

async function silence(side: Side): Promise<boolean> {
  const firstPcm = renderPcm(SOUNDS, 'en', [{ prompt: FIRST_PROMPT }]);
  let ok = true;
  for (const leadIn of LEAD_INS) {
    const engine: number[] = [];
    const bare: number[] = [];
    const notes: string[] = [];
    for (let i = 0; i < CALLS; i++) {
      const heard = await voiceCallHeard(side.engine, side.phone, { code: CODE, leadInMs: leadIn });
      if (heard.result === 'delivered') engine.push(heard.postAnswerSilenceMs - leadIn);
      notes.push(`${heard.result} lag ${heard.lagSamples} diff ${heard.mismatched}`);
      const arriving = side.phone.nextCall(20_000);
      const call = await side.bare.call('+12025550100');
      await call.playThenHangup(FIRST_PROMPT);
      const received = await arriving;
      await Promise.race([received.ended, new Promise((r) => setTimeout(r, 5000))]);
      bare.push(compareWithRender(received, firstPcm).postAnswerSilenceMs);
    }
    const p99 = percentile(engine, 99);
    const met = p99 <= 50;
    ok &&= engine.length === CALLS && bare.filter(Number.isFinite).length === CALLS;
    console.log(`${side.name} lead-in ${leadIn} ms, ${CALLS} calls each, interleaved:`);
    console.log(`  engine post-answer silence − lead-in: ${fmt(engine)} (${engine.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`  bare ${side.name === 'asterisk' ? 'ARI play' : 'ESL playback'} of ${FIRST_PROMPT}: ${fmt(bare)} (${bare.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`  engine − bare: p50 ${(percentile(engine, 50) - percentile(bare, 50)).toFixed(0)} ms, p99 ${(p99 - percentile(bare, 99)).toFixed(0)} ms; engine ≤ lead-in + 50 ms at p99: ${met ? 'yes' : 'NO'}`);
    console.log(`  engine calls vs render: ${[...new Set(notes)].join(' | ')}`);
  }
  return ok;
}

/** Counts of failure reasons, most frequent first: `3× -ERR DESTINATION_OUT_OF_ORDER`. */
function reasonsOf(runs: CallRun[]): string {
  const all = new Map<string, number>();
  for (const run of runs) for (const [why, n] of run.reasons) all.set(why, (all.get(why) ?? 0) + n);
  return [...all].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${n}× ${why}`).join('; ');
}

async function throughput(side: Side): Promise<boolean> {
  let n = 0;
  const number = (): string => `+120255501${String(n++ % 100).padStart(2, '0')}`;
  // A PBX that refuses sessions above a rate (FreeSWITCH: sessions-per-second in switch.conf, 100
  // in the lab) would fail whichever side starts faster: both sides start at most 90 % of it.
  // Its own counter is per second of its timer thread (switch_time.c), so an even pace is needed.
  const limit = await side.bare.sessionsPerSecond();
  const paced = limit === undefined || PACE === 0 ? undefined : new StartPacer(Math.floor(limit * PACE));
  const engineRun = (calls: number): Promise<CallRun> =>
    runCalls(
      calls,
      IN_FLIGHT,
      async () => {
        const dialled = await side.engine.originate({ to: number(), lang: 'en', ringTimeoutMs: 20_000, tag: 'bench-live' }, { timeoutMs: 30_000 });
        if (!dialled.ok) return `${dialled.end.outcome}: ${dialled.end.cause.text}`;
        await dialled.call.hangup();
        const end = await dialled.call.ended;
        return end.cause.text === 'hang-up not confirmed' ? 'hang-up not confirmed' : true;
      },
      paced,
    );
  const rawRun = (calls: number): Promise<CallRun> =>
    runCalls(
      calls,
      IN_FLIGHT,
      async () => {
        const call = await side.bare.call(number());
        await call.hangup();
        return true;
      },
      paced,
    );
  await engineRun(IN_FLIGHT); // warm-up
  await rawRun(IN_FLIGHT);
  const engine: CallRun[] = [];
  const raw: CallRun[] = [];
  for (let round = 0; round < 2; round++) {
    if (round % 2 === 0) {
      raw.push(await rawRun(CPS_CALLS));
      engine.push(await engineRun(CPS_CALLS));
    } else {
      engine.push(await engineRun(CPS_CALLS));
      raw.push(await rawRun(CPS_CALLS));
    }
  }
  const mean = (runs: CallRun[]): number => runs.reduce((a, r) => a + r.cps, 0) / runs.length;
  const failed = [...engine, ...raw].reduce((a, r) => a + r.failed, 0);
  const ratio = mean(engine) / mean(raw);
  const pacing = paced ? `, at most ${paced.perSecond} starts/s on both sides (the PBX admits ${limit} sessions/s)` : '';
  console.log(`${side.name} calls/s, ${IN_FLIGHT} in flight, ${CPS_CALLS} calls × 2 rounds each (originate → answered → hang up → end confirmed, both sides${pacing}):`);
  console.log(`  engine ${engine.map((r) => r.cps.toFixed(1)).join(', ')} calls/s; raw originates ${raw.map((r) => r.cps.toFixed(1)).join(', ')} calls/s; ratio engine/raw ${ratio.toFixed(2)} (goal ≥ 0.9)`);
  if (failed) console.log(`  FAILED calls: engine ${reasonsOf(engine) || 'none'}; raw ${reasonsOf(raw) || 'none'}`);
  // This process's CPU per call (the phone's RTP included on both sides): what a starved process pays for.
  const cpuMs = (runs: CallRun[]): string => runs.map((r) => (1000 / r.perCpuSecond).toFixed(2)).join(', ');
  const cpuMean = (runs: CallRun[]): number => runs.reduce((a, r) => a + 1000 / r.perCpuSecond, 0) / runs.length;
  console.log(`  CPU of this process per call: engine ${cpuMs(engine)} ms; raw ${cpuMs(raw)} ms; engine/raw ${(cpuMean(engine) / cpuMean(raw)).toFixed(2)}`);
  // A run with failures is not a measurement: failed calls end fast and inflate calls/s.
  return failed === 0;
}

async function main(): Promise<void> {
  const side = await open();
  console.log(`bench:live on ${side.name}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (default lead-in ${PAUSES.leadIn} ms)`);
  let ok = false;
  try {
    // 0 calls per lead-in: the calls/s phase alone.
    ok = (CALLS === 0 || (await silence(side))) && (await throughput(side));
  } finally {
    await side.engine.stop();
    side.bare.end();
    await side.phone.stop();
    console.log(`load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  }
  if (!ok) throw new Error('bench:live measured nothing, or calls failed (a run with failures is no measurement): see the figures above');
}

void main().catch((err: unknown) => {
  console.error(`bench:live failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
