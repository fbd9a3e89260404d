import { join } from 'node:path';
import { attemptAudioPlan, renderPlanPcm, type AttemptAudioPlan } from '../../src/console/attempt-audio';
import { renderPcm } from '../../src/prompts/render';
import { codeAnnouncement, gateQuestion, gateRefusal, voiceCallAudio } from '../../src/prompts/sequence';
import { CodeVault } from '../../src/verification/codes';
import type { Attempt, VerificationRecord } from '../../src/verification/model';

const SOUNDS = join(__dirname, '../../sounds');
const vault = new CodeVault('attempt-audio-test-secret-0123456789abcdef');
const ID = '0123456789abcdef0123456789abcdef';

/** Loose overrides (`undefined` removes a field). */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

function record(over: Loose<VerificationRecord> = {}, attempts: Loose<Attempt>[] = [{}]): VerificationRecord {
  return {
    v: 3,
    id: ID,
    keyId: 'shop',
    to: '+12025550100',
    workflow: 'call',
    steps: [{ channel: 'call' }] as VerificationRecord['steps'],
    lang: 'de',
    brand: 'Shop',
    gate: false,
    status: 'pending',
    createdAt: 0,
    updatedAt: 0,
    expiresAt: 600_000,
    expirySeconds: 600,
    codeLength: 6,
    customCode: false,
    codeHash: vault.hash(ID, '482913'),
    codeSealed: vault.seal(ID, '482913'),
    codeExpiresAt: 600_000,
    codes: 1,
    wrongChecks: 0,
    maxChecks: 3,
    nextStep: 1,
    attempts: attempts.map((a, i) => ({ n: i + 1, channel: 'call', startedAt: 0, status: 'completed', result: 'delivered', outcome: 'answered', ...a })),
    ...over,
  } as VerificationRecord;
}

const plan = (r: VerificationRecord, n = 1): AttemptAudioPlan => {
  const p = attemptAudioPlan(r, n, vault);
  if (typeof p === 'string') throw new Error(`no audio: ${p}`);
  return p;
};

describe('console player: what a voice attempt played (any PBX), from the record', () => {
  it('while the code is sealed, renders exactly what the call played: prompts render of the code, language and lead-in', () => {
    const p = plan(record({ leadInMs: 200 }));
    expect(p).toMatchObject({ digits: 'spoken', ended: 'as-planned' });
    expect(renderPlanPcm(SOUNDS, 'de', p).equals(renderPcm(SOUNDS, 'de', voiceCallAudio('482913', undefined, 200)))).toBe(true);
  });

  it('once the verification ended (no seal), renders the call with every digit as silence of the same place and length', () => {
    const ended = record({ status: 'approved', codeSealed: undefined });
    const p = plan(ended);
    expect(p.digits).toBe('withheld');
    const pcm = renderPlanPcm(SOUNDS, 'de', p);
    const withZeros = renderPcm(SOUNDS, 'de', voiceCallAudio('000000'));
    expect(pcm.length).toBe(withZeros.length);
    // everything but the digits is the call's audio: the intro at the start, goodbye at the end
    const intro = renderPcm(SOUNDS, 'de', codeAnnouncement('000000').slice(0, 2));
    expect(pcm.subarray(0, intro.length).equals(intro)).toBe(true);
    const goodbye = renderPcm(SOUNDS, 'de', [{ prompt: 'goodbye' }]);
    expect(pcm.subarray(pcm.length - goodbye.length).equals(goodbye)).toBe(true);
    // and no digit sound anywhere: where "0" was said there is only silence
    let differing = 0;
    let differingNotSilent = 0;
    for (let i = 0; i < pcm.length; i += 2) {
      if (pcm.readInt16LE(i) === withZeros.readInt16LE(i)) continue;
      differing++;
      if (pcm.readInt16LE(i) !== 0) differingNotSilent++;
    }
    expect(differing).toBeGreaterThan(0);
    expect(differingNotSilent).toBe(0);
  });

  it('withholds the digits of an attempt that said an older code (a later step issued a new one)', () => {
    expect(plan(record({}, [{}, { newCode: true }]), 1).digits).toBe('withheld');
    expect(plan(record({}, [{}, { newCode: true }]), 2).digits).toBe('spoken');
  });

  it('renders a gated call (the gate digit, not recorded, as silence) and a failed gate as question and goodbye', () => {
    const gated = plan(record({ gate: true }));
    const expected = renderPcm(SOUNDS, 'de', voiceCallAudio('482913', '1'));
    const pcm = renderPlanPcm(SOUNDS, 'de', gated);
    expect(pcm.length).toBe(expected.length);
    const question = renderPcm(SOUNDS, 'de', gateQuestion('1'));
    expect(pcm.subarray(question.length).equals(expected.subarray(question.length))).toBe(true);
    expect(pcm.subarray(0, question.length).every((b) => b === 0)).toBe(true);
    const failed = plan(record({ gate: true }, [{ result: 'gate-failed' }]));
    expect(failed.ended).toBe('gate-failed');
    expect(renderPlanPcm(SOUNDS, 'de', failed).subarray(question.length).equals(renderPcm(SOUNDS, 'de', gateRefusal()))).toBe(true);
  });

  it('says why there is nothing to play', () => {
    expect(attemptAudioPlan(record({}, [{ outcome: 'busy', result: 'not-answered' }]), 1, vault)).toBe('not-answered');
    expect(attemptAudioPlan(record({}, [{ channel: 'sms' }]), 1, vault)).toBe('not-a-voice-call');
    expect(attemptAudioPlan(record({}, [{ status: 'running', result: undefined }]), 1, vault)).toBe('still-running');
    expect(attemptAudioPlan(record(), 2, vault)).toBe('no-such-attempt');
    expect(attemptAudioPlan(record({}, [{ result: 'machine', amd: { mode: 'hangup' } as Attempt['amd'] }]), 1, vault)).toBe('nothing-played');
  });
});
