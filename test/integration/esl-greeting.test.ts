/**
 * The greeting (OriginateRequest.greeting; issue 18): the FreeSWITCH driver puts the first prompt
 * list into the originate itself (`'playback:${pbxverify_g0},set:app_uuid=…,playback:${…},park:'
 * inline`), so FreeSWITCH starts it in the first frame after the answer, and the script's first
 * play of the same items continues it. The fake FreeSWITCH runs the inline dialplan as 1.10.12
 * did on the lab (docs/freeswitch.md "The greeting"): `${var}` expanded and `app_uuid` taken when
 * each application starts, `park` last.
 */
import type { Call, OriginateRequest, PlayItem } from '../../src/pbx/port';
import { codeAnnouncement } from '../../src/prompts/sequence';
import { startRig, type EslRig } from '../support/esl/harness';
import { until } from '../support/esl/until';

const SILENT = '+12025550102';
const PRESSES = '+12025550163'; // presses 1234# at 1 s
const BUSY = '+12025550103';
const HANGS_UP = '+12025550108';
const ANNOUNCEMENT = codeAnnouncement('42', { leadInMs: 240 });
const LONG: PlayItem[] = Array.from({ length: 12 }, (_, i) => (i % 2 ? { silenceMs: 300 } : { prompt: 'your-code-is' }));
const SND = '/usr/share/freeswitch/sounds/pbxverify/en';

describe('ESL driver: the greeting played by the originate', () => {
  let rig: EslRig;
  /** Events the fake emitted and sendmsg commands it received, in the order it saw them. */
  let timeline: string[];
  beforeEach(async () => {
    rig = await startRig({ fake: { timeScale: 0.05 } });
    timeline = [];
    const emit = rig.fake.emit.bind(rig.fake);
    rig.fake.emit = (event) => {
      const name = event['Event-Name'] ?? '';
      if (name === 'CHANNEL_PARK') timeline.push(name);
      if (name === 'CHANNEL_EXECUTE') timeline.push(`${name} ${event.Application ?? ''} ${event['Application-Data'] ?? ''}`.trim());
      emit(event);
    };
    const sendmsg = rig.fake.sendmsg.bind(rig.fake);
    rig.fake.sendmsg = (uuid, headers) => {
      if (headers['call-command'] === 'execute') timeline.push(`sendmsg ${headers['execute-app-arg'] ?? ''}`);
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
  const played = (): string[] => timeline.filter((line) => line.startsWith('CHANNEL_EXECUTE playback')).map((line) => line.slice('CHANNEL_EXECUTE playback '.length));
  const sent = (): string[] => timeline.filter((line) => line.startsWith('sendmsg'));
  const originate = (): string => rig.fake.server.commandLog.find((line) => line.startsWith('bgapi originate')) ?? '';

  it('dials with the greeting as an inline dialplan before park, plays it whole, and the first play of it continues it', async () => {
    const call = await answer(SILENT, ANNOUNCEMENT);
    await expect(call.play(codeAnnouncement('42', { leadInMs: 240 }), { timeoutMs: 30_000 })).resolves.toEqual({ ok: true });
    expect(originate()).toMatch(/,app_uuid=[0-9a-f-]{36},pbxverify_g0=silence_stream:\/\/240,pbxverify_g1=\/usr\/share\/freeswitch\/sounds\/pbxverify\/en\/your-code-is\.wav,pbxverify_g2=file_string:/);
    expect(originate()).toMatch(/ 'playback:\$\{pbxverify_g0\},set:app_uuid=[0-9a-f-]{36},playback:\$\{pbxverify_g1\},set:app_uuid=[0-9a-f-]{36},playback:\$\{pbxverify_g2\},park:' inline$/);
    expect(played()).toEqual(['silence_stream://240', `${SND}/your-code-is.wav`, expect.stringMatching(/^file_string:\/\/silence_stream:\/\/150!.*goodbye\.wav$/) as string]);
    await until(() => timeline.includes('CHANNEL_PARK'), 'the channel parked after the greeting');
    expect(timeline.indexOf('CHANNEL_PARK')).toBeGreaterThan(timeline.findLastIndex((line) => line.startsWith('CHANNEL_EXECUTE playback')));
    expect(sent()).toEqual([]); // nothing was sent for it: the play followed the run already going
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('dials with &park() when the request has no greeting', async () => {
    const call = await answer(SILENT, undefined);
    expect(originate()).toMatch(/ &park\(\)$/);
    expect(originate()).not.toContain('app_uuid');
    await call.hangup();
  });

  it('plays no greeting on a call that was not answered', async () => {
    const result = await rig.pbx.originate({ to: BUSY, lang: 'en', ringTimeoutMs: 20_000, tag: 'greeting', greeting: ANNOUNCEMENT }, { timeoutMs: 20_000 });
    expect(result).toMatchObject({ ok: false, end: { outcome: 'busy' } });
    expect(played()).toEqual([]);
  });

  it('rejects a greeting it cannot put in a dial command before dialling', async () => {
    await expect(rig.pbx.originate({ to: SILENT, lang: 'en', ringTimeoutMs: 20_000, tag: 'greeting', greeting: [{ prompt: '../x' }] }, { timeoutMs: 20_000 })).rejects.toThrow();
    expect(originate()).toBe('');
  });

  it('stops the greeting when the first play asks for other items (the rest silenced, then park), and plays those whole', async () => {
    const call = await answer(SILENT, LONG);
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    // two segments (your-code-is, then one file_string from the first long pause): the second is silenced, the first broken
    expect(rig.fake.server.commandLog.filter((line) => line.includes('uuid_setvar_multi') || line.startsWith('api uuid_break'))).toEqual([
      `api uuid_setvar_multi ${call.id} pbxverify_g1=silence_stream://1`,
      `api uuid_break ${call.id}`,
    ]);
    expect(played().filter((p) => p === `${SND}/your-code-is.wav`).length).toBe(1);
    // the play's own prompt went out after the greeting's run had ended in park
    expect(sent()).toEqual([`sendmsg ${SND}/goodbye.wav`]);
    expect(timeline.indexOf(`sendmsg ${SND}/goodbye.wav`)).toBeGreaterThan(timeline.indexOf('CHANNEL_PARK'));
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('stops the greeting when the first operation collects digits', async () => {
    const call = await answer(PRESSES, LONG);
    const collected = await call.collectDigits({ maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000, totalTimeoutMs: 20_000 });
    expect(collected).toEqual({ ok: true, digits: '1234', endedBy: 'terminator' });
    expect(played().filter((p) => p === `${SND}/your-code-is.wav`).length).toBe(1);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it("applies the adopting play's deadline, and the call stays usable", async () => {
    const call = await answer(SILENT, LONG);
    await expect(call.play(LONG, { timeoutMs: 100 })).resolves.toEqual({ ok: false, reason: 'timeout' });
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    expect(sent()).toEqual([`sendmsg ${SND}/goodbye.wav`]);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it("applies the adopting play's signal", async () => {
    const call = await answer(SILENT, LONG);
    const stop = new AbortController();
    const playing = call.play(LONG, { timeoutMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 30);
    await expect(playing).resolves.toEqual({ ok: false, reason: 'aborted' });
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
    const call = await answer(HANGS_UP, LONG);
    const end = await call.ended;
    await expect(call.play(LONG, { timeoutMs: 60_000 })).resolves.toEqual({ ok: false, reason: 'ended', end });
  });
});
