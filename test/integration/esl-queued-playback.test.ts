/**
 * A prompt list played as queued segments (commands.ts playbackSegments; issue 18): the driver
 * sends them together with `event-lock`, the fake FreeSWITCH runs them back to back as the real one
 * did (test/fixtures/esl/playback/sip-queued-*), and a stop drops what is still queued.
 */
import type { Call, OriginateRequest, PlayItem } from '../../src/pbx/port';
import { codeAnnouncement } from '../../src/prompts/sequence';
import type { EventBody } from '../fakes/esl/frames';
import { startRig, type EslRig } from '../support/esl/harness';

const req = (to: string): OriginateRequest => ({ to, lang: 'en', ringTimeoutMs: 20_000, tag: 'queued' });
const SILENT = '+12025550102';
const PRESSES = '+12025550163';
const HANGS_UP = '+12025550108';

describe('ESL driver: queued prompt segments', () => {
  let rig: EslRig;
  let events: EventBody[];
  beforeEach(async () => {
    rig = await startRig({ fake: { timeScale: 0.05, missingFiles: (path) => path.includes('not-installed') } });
    events = [];
    const emit = rig.fake.emit.bind(rig.fake);
    rig.fake.emit = (event) => {
      events.push(event);
      emit(event);
    };
  });
  afterEach(() => rig.close());

  async function answer(to = SILENT): Promise<Call> {
    const result = await rig.pbx.originate(req(to), { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome}`);
    return result.call;
  }
  const of = (name: string, call: Call): EventBody[] => events.filter((e) => e['Event-Name'] === name && e['Unique-ID'] === call.id);
  const played = (call: Call): string[] => of('CHANNEL_EXECUTE', call).filter((e) => e.Application === 'playback').map((e) => e['Application-Data'] ?? '');

  it('plays the code announcement of a short lead-in as three segments, whole and in order', async () => {
    const call = await answer();
    await expect(call.play(codeAnnouncement('7', { leadInMs: 240 }), { timeoutMs: 30_000 })).resolves.toEqual({ ok: true });
    expect(played(call)).toEqual([
      'silence_stream://240',
      '/usr/share/freeswitch/sounds/pbxverify/en/your-code-is.wav',
      expect.stringMatching(/^file_string:\/\/silence_stream:\/\/150!.*goodbye\.wav$/) as string,
    ]);
    expect(of('PLAYBACK_STOP', call).map((e) => e['Playback-Status'])).toEqual(['done', 'done', 'done']);
    // the wake-up sent at CHANNEL_ANSWER: a sendmsg FreeSWITCH answers +OK and ignores (sip-queued-announcement)
    expect(rig.fake.server.commandLog.filter((c) => c === `sendmsg ${call.id}`).length).toBe(4);
    expect(of('CHANNEL_EXECUTE', call).map((e) => e.Application)).toEqual(['park', 'playback', 'playback', 'playback']);
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('drops the queued rest at a digit, and the next prompt plays whole (the break is spent on the barrier)', async () => {
    const call = await answer(PRESSES);
    const long: PlayItem[] = Array.from({ length: 12 }, () => ({ prompt: 'your-code-is' }));
    await expect(call.play(long, { timeoutMs: 60_000, interruptOnDtmf: true })).resolves.toEqual({ ok: true, interruptedBy: '1' });
    const before = played(call).length;
    // the callee presses at 1 s (× 0.05): the first segment or two ran, then the barrier; the rest were dropped
    expect(before).toBeLessThan(6);
    expect(played(call)[before - 1]).toBe('silence_stream://20');
    await expect(call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    expect(played(call).slice(before)).toEqual(['/usr/share/freeswitch/sounds/pbxverify/en/goodbye.wav']);
    expect(of('PLAYBACK_STOP', call).at(-1)?.['Playback-Status']).toBe('done');
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('stops a queue at its deadline and leaves the call usable', async () => {
    const call = await answer();
    const long: PlayItem[] = Array.from({ length: 40 }, () => ({ prompt: 'your-code-is' }));
    await expect(call.play(long, { timeoutMs: 200 })).resolves.toEqual({ ok: false, reason: 'timeout' });
    expect(played(call).length).toBeLessThan(10);
    await expect(call.play([{ prompt: 'digit-1' }, { silenceMs: 100 }, { prompt: 'digit-2' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    expect(rig.fake.stats.nestedExecutions).toBe(0);
    await call.hangup();
  });

  it('ends the call when a segment cannot be played (a pack missing on the host)', async () => {
    const call = await answer();
    const result = await call.play([{ prompt: 'your-code-is' }, { prompt: 'not-installed' }, { prompt: 'goodbye' }], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, reason: 'ended' });
    await expect(call.ended).resolves.toMatchObject({ by: 'pbx', outcome: 'answered' });
  });

  it('reports a hang-up in the middle of a queue as the end of the call', async () => {
    const call = await answer(HANGS_UP);
    const long: PlayItem[] = Array.from({ length: 40 }, () => ({ prompt: 'your-code-is' }));
    await expect(call.play(long, { timeoutMs: 60_000 })).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'remote' } });
  });
});
