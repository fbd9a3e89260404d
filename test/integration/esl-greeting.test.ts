/**
 * The greeting (OriginateRequest.greeting; issue 18): the FreeSWITCH driver sends the first prompt
 * list from the BACKGROUND_JOB's handler, before `&park()` has taken the channel, and the script's
 * first play of the same items continues it. The fake FreeSWITCH parks 50 ms after the job result
 * (FreeSWITCH 1.10.12: 0.2–1.4 ms; longer here so that the order is certain) and keeps an execute that arrives before that queued until
 * park reads it, as switch_ivr_park does.
 */
import type { Call, OriginateRequest, PlayItem } from '../../src/pbx/port';
import { codeAnnouncement } from '../../src/prompts/sequence';
import { startRig, type EslRig } from '../support/esl/harness';

const SILENT = '+12025550102';
const PRESSES = '+12025550163'; // presses 1234# at 1 s
const BUSY = '+12025550103';
const ANNOUNCEMENT = codeAnnouncement('42', { leadInMs: 0 });
const LONG: PlayItem[] = Array.from({ length: 12 }, () => ({ prompt: 'your-code-is' }));

describe('ESL driver: the greeting started at answer', () => {
  let rig: EslRig;
  /** Events the fake emitted and commands it received, in the order it saw them. */
  let timeline: string[];
  beforeEach(async () => {
    rig = await startRig({ fake: { timeScale: 0.05, parkDelayMs: 1000 } });
    timeline = [];
    const emit = rig.fake.emit.bind(rig.fake);
    rig.fake.emit = (event) => {
      timeline.push(`${event['Event-Name'] ?? ''} ${event.Application ?? ''}`.trim());
      emit(event);
    };
    const sendmsg = rig.fake.sendmsg.bind(rig.fake);
    rig.fake.sendmsg = (uuid, headers) => {
      timeline.push(`sendmsg ${headers['call-command'] ?? ''} ${headers['execute-app-arg'] ?? ''}`.trim());
      return sendmsg(uuid, headers);
    };
  });
  afterEach(() => rig.close());

  async function answer(to: string, greeting: PlayItem[] | undefined): Promise<Call> {
    const req: OriginateRequest = { to, lang: 'en', ringTimeoutMs: 20_000, tag: 'greeting', ...(greeting ? { greeting } : {}) };
    const result = await rig.pbx.originate(req, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome}`);
    return result.call;
  }
  const playbacks = (): string[] => timeline.filter((line) => line.startsWith('CHANNEL_EXECUTE playback')).map((line) => line.replace('CHANNEL_EXECUTE playback', 'played'));
  const executesSent = (): string[] => timeline.filter((line) => line.startsWith('sendmsg execute'));

  it('sends the greeting before &park() takes the channel, and the first play of it continues it (sent once, played whole)', async () => {
    const call = await answer(SILENT, ANNOUNCEMENT);
    await expect(call.play(codeAnnouncement('42', { leadInMs: 0 }), { timeoutMs: 30_000 })).resolves.toEqual({ ok: true });
    const firstExecute = timeline.findIndex((line) => line.startsWith('sendmsg execute'));
    expect(firstExecute).toBeGreaterThan(timeline.lastIndexOf('CHANNEL_ANSWER'));
    expect(firstExecute).toBeLessThan(timeline.indexOf('CHANNEL_PARK'));
    expect(executesSent()).toHaveLength(2); // your-code-is, then one file_string from the first long pause on
    expect(playbacks()).toEqual(['played', 'played']);
    expect(timeline.filter((line) => line === 'PLAYBACK_STOP')).toHaveLength(2);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('sends nothing before the script asks when the request has no greeting', async () => {
    const call = await answer(SILENT, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(executesSent()).toEqual([]);
    await call.hangup();
  });

  it('sends no greeting on a call that was not answered', async () => {
    const result = await rig.pbx.originate({ to: BUSY, lang: 'en', ringTimeoutMs: 20_000, tag: 'greeting', greeting: ANNOUNCEMENT }, { timeoutMs: 20_000 });
    expect(result).toMatchObject({ ok: false, end: { outcome: 'busy' } });
    expect(executesSent()).toEqual([]);
  });

  it('stops the greeting when the first play asks for other items, and plays those whole', async () => {
    const call = await answer(SILENT, LONG);
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    const sent = executesSent();
    // the greeting's queue, the barrier after its stop, then the play's own prompt
    expect(sent.at(-1)).toBe('sendmsg execute /usr/share/freeswitch/sounds/pbxverify/en/goodbye.wav');
    expect(sent.at(-2)).toBe('sendmsg execute silence_stream://20');
    expect(timeline.filter((line) => line === 'CHANNEL_EXECUTE playback').length).toBeLessThan(LONG.length);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('stops the greeting when the first operation collects digits', async () => {
    const call = await answer(PRESSES, LONG);
    const collected = await call.collectDigits({ maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000, totalTimeoutMs: 20_000 });
    expect(collected).toEqual({ ok: true, digits: '1234', endedBy: 'terminator' });
    expect(timeline.filter((line) => line === 'CHANNEL_EXECUTE playback').length).toBeLessThan(LONG.length);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it("applies the adopting play's deadline, and the call stays usable", async () => {
    const call = await answer(SILENT, LONG);
    await expect(call.play(LONG, { timeoutMs: 100 })).resolves.toEqual({ ok: false, reason: 'timeout' });
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    expect(executesSent().at(-1)).toBe('sendmsg execute /usr/share/freeswitch/sounds/pbxverify/en/goodbye.wav');
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it("applies the adopting play's signal", async () => {
    const call = await answer(SILENT, LONG);
    const stop = new AbortController();
    const played = call.play(LONG, { timeoutMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 30);
    await expect(played).resolves.toEqual({ ok: false, reason: 'aborted' });
    await call.hangup();
  });

  it('lets a digit pressed before the adoption interrupt a play that asks for it', async () => {
    const call = await answer(PRESSES, LONG);
    const digit = new Promise((resolve) => call.on('dtmf', resolve));
    await expect(digit).resolves.toBe('1');
    await expect(call.play(LONG, { timeoutMs: 60_000, interruptOnDtmf: true })).resolves.toEqual({ ok: true, interruptedBy: '1' });
    await call.hangup();
  });

  it('ends the greeting with the call when the callee hangs up before the script plays', async () => {
    const call = await answer('+12025550108', LONG);
    const end = await call.ended;
    await expect(call.play(LONG, { timeoutMs: 60_000 })).resolves.toEqual({ ok: false, reason: 'ended', end });
  });
});
