import { applyCheck, completeAttempt, startStep, terminate, advanceNow } from '../../src/verification/transitions';
import { sampleRecord } from '../contract/store';
import { AppError } from '../../src/lib/errors';
import { PRESET_WORKFLOWS } from '../../src/verification/workflows';

const T0 = 1_800_000_000_000;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('checking a code', () => {
  it('approves on a match and bumps the version once', () => {
    const record = sampleRecord({ createdAt: T0, codeExpiresAt: T0 + 60_000, expiresAt: T0 + 60_000 });
    const out = applyCheck(record, true, T0 + 1000);
    expect(out.verified).toBe(true);
    expect(out.record.status).toBe('approved');
    expect(out.record.v).toBe(record.v + 1);
    expect(out.record.codeSealed).toBeUndefined();
  });

  it('counts a wrong code and fails the verification at the limit', () => {
    let record = sampleRecord({ maxChecks: 2, codeExpiresAt: T0 + 60_000, expiresAt: T0 + 60_000 });
    const first = applyCheck(record, false, T0);
    expect(first).toMatchObject({ verified: false, attemptsRemaining: 1 });
    expect(first.record.status).toBe('pending');
    record = first.record;
    const second = applyCheck(record, false, T0);
    expect(second).toMatchObject({ verified: false, attemptsRemaining: 0 });
    expect(second.record.status).toBe('failed');
    expect(second.record.v).toBe(record.v + 1);
  });

  it('refuses checks on finished verifications with a distinct code each', () => {
    for (const [status, code] of [
      ['approved', 'VERIFY_ALREADY_APPROVED'],
      ['canceled', 'VERIFY_CANCELED'],
      ['failed', 'VERIFY_TOO_MANY_ATTEMPTS'],
      ['expired', 'VERIFY_EXPIRED'],
    ] as const) {
      expectCode(() => applyCheck(sampleRecord({ status }), true, T0), code);
    }
  });

  it('refuses an expired code without counting it', () => {
    const record = sampleRecord({ codeExpiresAt: T0, expiresAt: T0 + 100_000 });
    expectCode(() => applyCheck(record, false, T0 + 1), 'VERIFY_CODE_EXPIRED');
  });

  it('refuses API checks for keypad (reverse) workflows, whose code the website shows', () => {
    const record = sampleRecord({ steps: [{ channel: 'reverse', waitSeconds: 0, code: 'new' }], codeExpiresAt: T0 + 1000 });
    expectCode(() => applyCheck(record, true, T0), 'VERIFY_CHECK_NOT_ALLOWED');
  });
});

describe('workflow steps', () => {
  const steps = [...PRESET_WORKFLOWS['sms-call-call']!];

  it('plans the next step and the code validity from the moment a step starts', () => {
    const record = sampleRecord({ steps, createdAt: T0 });
    const { record: next, attempt } = startStep(record, 0, T0, 600, undefined, 'engine-a');
    expect(attempt).toMatchObject({ n: 1, channel: 'sms', status: 'running', instance: 'engine-a' });
    expect(next.nextStep).toBe(1);
    expect(next.nextStepAt).toBe(T0 + 120_000);
    expect(next.codeExpiresAt).toBe(T0 + 120_000);
    expect(next.expiresAt).toBe(T0 + 600_000);
  });

  it('keeps the code on a `same` step and extends it', () => {
    const record = sampleRecord({ steps, nextStep: 1, codes: 1, codeHash: 'h1' });
    const { record: next } = startStep(record, 1, T0 + 120_000, 600, undefined, 'a');
    expect(next.codeHash).toBe('h1');
    expect(next.codeExpiresAt).toBe(T0 + 300_000);
    expect(next.nextStepAt).toBe(T0 + 300_000);
  });

  it('replaces the code on a `new` step', () => {
    const record = sampleRecord({ steps, nextStep: 2, codes: 1, codeHash: 'h1' });
    const { record: next } = startStep(record, 2, T0 + 300_000, 600, { hash: 'h2', sealed: 's2' }, 'a');
    expect(next).toMatchObject({ codeHash: 'h2', codeSealed: 's2', codes: 2, codeExpiresAt: T0 + 600_000, expiresAt: T0 + 600_000 });
    expect(next.nextStepAt).toBeUndefined();
  });

  it('aborts an attempt still running when the next step starts', () => {
    const running = { n: 1, channel: 'call' as const, startedAt: T0, status: 'running' as const };
    const record = sampleRecord({ steps, nextStep: 1, attempts: [running] });
    const { record: next } = startStep(record, 1, T0 + 1, 600, undefined, 'a');
    expect(next.attempts[0]).toMatchObject({ status: 'completed', result: 'aborted' });
  });

  it('moves the next step to now on `next`, and refuses when none is left', () => {
    const record = sampleRecord({ steps, nextStep: 1, nextStepAt: T0 + 120_000, codeExpiresAt: T0 + 120_000 });
    const moved = advanceNow(record, T0 + 5_000, 600);
    expect(moved.nextStepAt).toBe(T0 + 5_000);
    expect(moved.expiresAt).toBe(T0 + 5_000 + 480_000);
    expectCode(() => advanceNow(sampleRecord({ nextStep: 1 }), T0, 600), 'VERIFY_NO_NEXT_STEP');
  });
});

describe('finishing attempts', () => {
  const reverse = [{ channel: 'reverse' as const, waitSeconds: 0, code: 'new' as const }];
  const running = { n: 1, channel: 'reverse' as const, startedAt: T0, status: 'running' as const };

  it('approves on a keypad match', () => {
    const record = sampleRecord({ steps: reverse, nextStep: 1, attempts: [running] });
    const next = completeAttempt(record, 1, { result: 'matched', outcome: 'answered', reason: null, matched: true }, T0 + 10);
    expect(next?.status).toBe('approved');
    expect(next?.attempts[0]).toMatchObject({ status: 'completed', result: 'matched', matched: true, endedAt: T0 + 10 });
  });

  it('fails the verification when the last keypad attempt did not match', () => {
    const record = sampleRecord({ steps: reverse, nextStep: 1, attempts: [running] });
    expect(completeAttempt(record, 1, { result: 'mismatch', matched: false }, T0)?.status).toBe('failed');
  });

  it('leaves it pending when the call was not answered (the code was never asked for)', () => {
    const record = sampleRecord({ steps: reverse, nextStep: 1, attempts: [running] });
    const next = completeAttempt(record, 1, { result: 'not-answered', outcome: 'busy', reason: 5, cause: { q850: 17 } }, T0);
    expect(next?.status).toBe('pending');
    expect(next?.attempts[0]).toMatchObject({ outcome: 'busy', reason: 5, cause: { q850: 17 } });
  });

  it('ignores a report for an attempt that is no longer running', () => {
    const record = sampleRecord({ attempts: [{ ...running, status: 'completed', result: 'aborted' }] });
    expect(completeAttempt(record, 1, { result: 'matched' }, T0)).toBeUndefined();
  });

  it('drops the sealed code when a verification ends', () => {
    expect(terminate(sampleRecord(), 'canceled', T0).codeSealed).toBeUndefined();
  });
});
