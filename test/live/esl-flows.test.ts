/**
 * The call scripts (voice, reverse, sms) through the driver on a real FreeSWITCH: what a
 * verification does, with real prompts, real DTMF and real hang-ups.
 */
import { join } from 'node:path';
import pino from 'pino';
import { runReverse } from '../../src/channels/reverse';
import { runVoice } from '../../src/channels/voice';
import type { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import type { Call } from '../../src/pbx/port';
import { PromptCatalog } from '../../src/prompts/catalog';
import { livePbx } from './esl-support';

describe('verification call scripts on a real FreeSWITCH', () => {
  let pbx: FreeSwitchPbx;
  const ctx = () => ({ pbx, logger: pino({ level: 'silent' }), signal: new AbortController().signal });
  const base = { lang: 'en', ringTimeoutMs: 10_000, maxCallMs: 60_000, tag: 'live-flows' };
  const reverse = { ...base, maxTries: 2, firstDigitTimeoutMs: 4000, interDigitTimeoutMs: 3000, totalTimeoutMs: 30_000 };

  beforeAll(async () => {
    pbx = livePbx();
    await pbx.start();
  });
  afterAll(() => pbx.stop());

  it('speaks a code to a callee who listens', async () => {
    const report = await runVoice({ ...base, to: '+12025550100', code: '482913' }, ctx());
    // the report also carries the call's detail record for history (answered, billsec, cause)
    expect(report).toMatchObject({ result: 'delivered', outcome: 'answered', reason: null, cdr: { cause: { q850: 16 } } });
    expect(report.cdr?.billsec).toBeGreaterThan(0);
  });

  it('reports a callee who hangs up during the code', async () => {
    const report = await runVoice({ ...base, to: '+12025550108', code: '482913' }, ctx());
    expect(report).toMatchObject({ result: 'hung-up-during-prompt', outcome: 'answered' });
  });

  it('approves a reverse verification when the callee types the code', async () => {
    const report = await runReverse({ ...reverse, to: '+12025550163', matches: (digits) => digits === '1234' }, ctx());
    expect(report).toMatchObject({ result: 'matched', matched: true, outcome: 'answered' });
  });

  it('reports no input when the callee never presses a key', async () => {
    const report = await runReverse({ ...reverse, to: '+12025550102', matches: () => false }, ctx());
    expect(report).toMatchObject({ result: 'no-input', matched: false });
  });

  it('reports busy with the raw cause and legacy reason 5', async () => {
    const report = await runVoice({ ...base, to: '+12025550103', code: '1234' }, ctx());
    expect(report).toMatchObject({ result: 'not-answered', outcome: 'busy', reason: 5, cause: { q850: 17, text: 'USER_BUSY' } });
  });

  it('collects digits a person types slowly, ended by the terminator', async () => {
    const result = await pbx.originate({ ...base, to: '+12025550164' }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    const digits: string[] = [];
    result.call.on('dtmf', (d) => digits.push(d));
    const got = await result.call.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 10, firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 4000, totalTimeoutMs: 30_000 });
    expect(got).toEqual({ ok: true, digits: '1234', endedBy: 'terminator' });
    expect(digits.join('')).toBe('1234#');
    await result.call.hangup();
    await expect(result.call.ended).resolves.toMatchObject({ by: 'local', outcome: 'answered' });
  });

  it('stops collecting at max digits and at the total deadline', async () => {
    const first = await pbx.originate({ ...base, to: '+12025550163' }, { timeoutMs: 20_000 });
    if (!first.ok) throw new Error(first.end.outcome);
    await expect(first.call.collectDigits({ maxDigits: 2, firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 4000, totalTimeoutMs: 30_000 })).resolves.toEqual({ ok: true, digits: '12', endedBy: 'max-digits' });
    await first.call.hangup();
    const second = await pbx.originate({ ...base, to: '+12025550102' }, { timeoutMs: 20_000 });
    if (!second.ok) throw new Error(second.end.outcome);
    // play_and_get_digits ignores uuid_break once it collects: the driver ends it with a terminator of its own.
    await expect(second.call.collectDigits({ maxDigits: 6, firstDigitTimeoutMs: 20_000, interDigitTimeoutMs: 4000, totalTimeoutMs: 1500 })).resolves.toEqual({ ok: true, digits: '', endedBy: 'timeout' });
    await expect(second.call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    await second.call.hangup();
  });

  it('stops a playback at the first digit when asked to', async () => {
    const result = await pbx.originate({ ...base, to: '+12025550163' }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    const long = Array.from({ length: 10 }, () => ({ prompt: 'your-code-is' as const }));
    await expect(result.call.play(long, { timeoutMs: 60_000, interruptOnDtmf: true })).resolves.toEqual({ ok: true, interruptedBy: '1' });
    await result.call.hangup();
  });

  /** goodbye.wav is 0.6 s of audio: a break left over would end it at once, and segments still queued (15 s) would play before it. */
  async function playsGoodbyeWhole(call: Call): Promise<void> {
    const started = Date.now();
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 30_000 })).resolves.toEqual({ ok: true });
    const took = Date.now() - started;
    expect(took).toBeGreaterThan(400);
    expect(took).toBeLessThan(5000);
  }

  it('drops the rest of a queued prompt list at its deadline, and the next prompt plays whole', async () => {
    const result = await pbx.originate({ ...base, to: '+12025550102' }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    // ten prompts, no pause of 250 ms: ten segments queued with event-lock (issue 18)
    const long = Array.from({ length: 10 }, () => ({ prompt: 'your-code-is' as const }));
    await expect(result.call.play(long, { timeoutMs: 1500 })).resolves.toEqual({ ok: false, reason: 'timeout' });
    await playsGoodbyeWhole(result.call);
    await result.call.hangup();
  });

  // The greeting (OriginateRequest.greeting): ten segments in the originate's inline dialplan, stopped
  // by silencing the rest and breaking the one playing; the channel then parks (issue 18).
  const long = Array.from({ length: 10 }, () => ({ prompt: 'your-code-is' as const }));

  it("stops a greeting at its adopting play's deadline, and the next prompt plays whole", async () => {
    const result = await pbx.originate({ ...base, to: '+12025550102', greeting: long }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    await expect(result.call.play(long, { timeoutMs: 1500 })).resolves.toEqual({ ok: false, reason: 'timeout' });
    await playsGoodbyeWhole(result.call);
    await result.call.hangup();
  });

  it('stops a greeting when the first play asks for other items, and plays those whole', async () => {
    const result = await pbx.originate({ ...base, to: '+12025550102', greeting: long }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    await playsGoodbyeWhole(result.call);
    await result.call.hangup();
  });
});

describe('sound packs on a real FreeSWITCH', () => {
  let pbx: FreeSwitchPbx;
  beforeAll(async () => {
    pbx = livePbx({ languages: ['en', 'zz'] });
    await pbx.start();
  });
  afterAll(() => pbx.stop());

  it('finds every pack of the repository installed (pbxverify prompts install --freeswitch)', async () => {
    const all = livePbx({ languages: new PromptCatalog(join(__dirname, '../../sounds')).languages() });
    await all.start();
    expect(all.health()).toEqual({ ready: true, detail: expect.stringMatching(/^connected to esl:\/\/[^;]+$/) as string });
    await all.stop();
  });

  it('reports a missing pack in the health detail, and a call in that language ends instead of playing silence', async () => {
    expect(pbx.health().detail).toMatch(/sound packs missing on FreeSWITCH: zz$/);
    const result = await pbx.originate({ lang: 'zz', ringTimeoutMs: 10_000, tag: 'live-missing', to: '+12025550100' }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    await expect(result.call.play([{ prompt: 'your-code-is' }], { timeoutMs: 10_000 })).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx', cause: { text: 'playback: FILE NOT FOUND' } } });
  });
});
