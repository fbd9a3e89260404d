/**
 * Every FreeSWITCH recording (imported into
 * test/fixtures/esl/cases) replayed over a real event socket to the driver: the dial
 * outcome, legacy reason and raw cause it reports, and what the call does afterwards, must be
 * what the recording shows.
 */
import { systemClock } from '../../src/lib/clock';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import type { Call, CallEnd, DialOutcome } from '../../src/pbx/port';
import { loadCases, ReplayFreeSwitch, type RecordedCase } from '../fakes/esl/replay-freeswitch';
import { TEST_SETTINGS, testLogger } from '../support/esl/harness';

type AfterAnswer =
  | { collect: { digits: string; endedBy: string } | 'ended'; then: 'remote' | 'local' }
  | { play: 'ok' | 'ended'; dtmf: string; then: 'remote' | 'local' }
  | { listen: true; dtmf: string; then: 'remote' };

interface Expected {
  outcome: DialOutcome;
  reason: number | null;
  cause: { text: string; q850?: number; sip?: number };
  after?: AfterAnswer;
}

const busy = (sip?: number): Expected => ({ outcome: 'busy', reason: 5, cause: { text: 'USER_BUSY', q850: 17, ...(sip ? { sip } : {}) } });
const answered = (after: AfterAnswer): Expected => ({ outcome: 'answered', reason: null, cause: { text: 'NORMAL_CLEARING', q850: 16 }, after });

/** What each recording shows (the `sequence` and `steps` of its file). */
const EXPECTED: Record<string, Expected> = {
  'bad-dialstring': { outcome: 'failed', reason: 0, cause: { text: 'INVALID_PROFILE' } },
  'loopback-busy': busy(),
  'loopback-busy-api': busy(),
  'sip-busy': busy(486),
  'sip-busy-api': busy(486),
  'loopback-noanswer': { outcome: 'no-answer', reason: 3, cause: { text: 'NO_ANSWER', q850: 19 } },
  'sip-noanswer': { outcome: 'no-answer', reason: 3, cause: { text: 'NO_ANSWER', q850: 19 } },
  'loopback-hangup-immediately': { outcome: 'rejected', reason: 1, cause: { text: 'NORMAL_CLEARING', q850: 16 } },
  'sip-hangup-immediately': { outcome: 'rejected', reason: 1, cause: { text: 'NORMAL_CLEARING', q850: 16, sip: 480 } },
  'loopback-reject': { outcome: 'rejected', reason: 1, cause: { text: 'CALL_REJECTED', q850: 21 } },
  'sip-reject': { outcome: 'rejected', reason: 1, cause: { text: 'CALL_REJECTED', q850: 21, sip: 603 } },
  'loopback-nosuchnumber': { outcome: 'unreachable', reason: 0, cause: { text: 'UNALLOCATED_NUMBER', q850: 1 } },
  'sip-nosuchnumber': { outcome: 'unreachable', reason: 0, cause: { text: 'UNALLOCATED_NUMBER', q850: 1, sip: 404 } },
  'loopback-answer-and-press-pgd': answered({ collect: { digits: '1234', endedBy: 'terminator' }, then: 'remote' }),
  'sip-answer-and-press-pgd': answered({ collect: { digits: '1234', endedBy: 'terminator' }, then: 'remote' }),
  'loopback-answer-silent-pgd-timeout': answered({ collect: { digits: '', endedBy: 'timeout' }, then: 'local' }),
  'sip-answer-silent-pgd-timeout': answered({ collect: { digits: '', endedBy: 'timeout' }, then: 'local' }),
  'loopback-answer-then-hangup-during-pgd': answered({ collect: 'ended', then: 'remote' }),
  'sip-answer-then-hangup-during-pgd': answered({ collect: 'ended', then: 'remote' }),
  // uuid_broadcast ran `playback` as an application: the driver's own playback gets that segment.
  'loopback-answer-and-press-broadcast': answered({ play: 'ok', dtmf: '1234#', then: 'remote' }),
  'sip-answer-and-press-broadcast': answered({ play: 'ok', dtmf: '1234#', then: 'remote' }),
  // uuid_displace mixes audio without an application: a call nothing drives, digits as events.
  'sip-answer-and-press-displace': answered({ listen: true, dtmf: '1234#', then: 'remote' }),
  // The recording nests play_and_get_digits inside playback and hangs up; the driver never nests,
  // so its playback sees that segment end with the hang-up.
  'sip-answer-and-press-playback-then-pgd': answered({ play: 'ended', dtmf: '1234#', then: 'remote' }),
};

const cases = loadCases();

describe('replaying the FreeSWITCH recordings to the driver', () => {
  it('has an expectation for every recording', () => {
    expect(cases.map((c) => c.case).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(cases.map((c): [string, RecordedCase] => [c.case, c]))('%s', (name, recorded) => {
    let replay: ReplayFreeSwitch;
    let pbx: FreeSwitchPbx;
    const expected = EXPECTED[name] as Expected;

    beforeAll(async () => {
      replay = new ReplayFreeSwitch(recorded);
      await replay.start();
      pbx = new FreeSwitchPbx({ target: parseEslUrl(replay.url()), settings: { ...TEST_SETTINGS, dialString: 'loopback/{number}/qa' }, logger: testLogger(), clock: systemClock });
      await pbx.start();
    });
    afterAll(async () => {
      await pbx.stop();
      await replay.stop();
    });

    it(`reports ${expected.outcome} with the recorded cause`, async () => {
      const result = await pbx.originate({ to: '+12025550100', lang: 'en', ringTimeoutMs: 5000, tag: name }, { timeoutMs: 30_000 });
      expect(replay.mismatches).toEqual([]);
      if (expected.outcome !== 'answered') {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect({ outcome: result.end.outcome, reason: result.end.reason, cause: result.end.cause }).toEqual({
          outcome: expected.outcome,
          reason: expected.reason,
          cause: expected.cause,
        });
        return;
      }
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const end = await afterAnswer(result.call, expected.after as AfterAnswer);
      expect(replay.mismatches).toEqual([]);
      expect(end.outcome).toBe('answered');
      expect(end.reason).toBeNull();
      expect(end.by).toBe(expected.after?.then);
      expect(end.cause.text).toBe('NORMAL_CLEARING');
    });
  });
});

async function afterAnswer(call: Call, after: AfterAnswer): Promise<CallEnd> {
  const digits: string[] = [];
  call.on('dtmf', (d) => digits.push(d));
  if ('collect' in after) {
    const got = await call.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 8, firstDigitTimeoutMs: 7000, interDigitTimeoutMs: 3000, totalTimeoutMs: 30_000 });
    if (after.collect === 'ended') expect(got).toMatchObject({ ok: false, reason: 'ended' });
    else expect(got).toEqual({ ok: true, ...after.collect });
  } else if ('play' in after) {
    const played = await call.play([{ prompt: 'your-code-is' }], { timeoutMs: 30_000 });
    if (after.play === 'ok') expect(played).toEqual({ ok: true });
    else expect(played).toMatchObject({ ok: false, reason: 'ended' });
  }
  if (after.then === 'local') await call.hangup();
  const end = await call.ended;
  if ('dtmf' in after) expect(digits.join('')).toBe(after.dtmf);
  return end;
}
