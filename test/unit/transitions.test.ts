import { applyCheck, completeAttempt, startStep, terminate, advanceNow, terminalError } from '../../src/verification/transitions';
import type { Attempt, AttemptResult, WorkflowStep } from '../../src/verification/model';
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
    expect(second.record.failReason).toBe('too-many-wrong-codes');
    expect(second.record.v).toBe(record.v + 1);
  });

  it('refuses checks on finished verifications with a distinct code each', () => {
    for (const [fields, code] of [
      [{ status: 'approved' }, 'VERIFY_ALREADY_APPROVED'],
      [{ status: 'canceled' }, 'VERIFY_CANCELED'],
      [{ status: 'failed', failReason: 'too-many-wrong-codes' }, 'VERIFY_TOO_MANY_ATTEMPTS'],
      // kept before the reason was recorded: told by the counters
      [{ status: 'failed', wrongChecks: 5, maxChecks: 5 }, 'VERIFY_TOO_MANY_ATTEMPTS'],
      [{ status: 'failed', failReason: 'not-answered' }, 'VERIFY_FAILED'],
      [{ status: 'expired' }, 'VERIFY_EXPIRED'],
    ] as const) {
      expectCode(() => applyCheck(sampleRecord(fields), true, T0), code);
    }
  });

  it('answers every finished state with a 409 (410 once expired), never a 429', () => {
    for (const fields of [{ status: 'approved' }, { status: 'canceled' }, { status: 'failed', failReason: 'too-many-wrong-codes' }, { status: 'failed', failReason: 'send-failed' }] as const) {
      expect(terminalError(sampleRecord(fields)).httpStatus).toBe(409);
    }
    expect(terminalError(sampleRecord({ status: 'expired' })).httpStatus).toBe(410);
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
    const moved = advanceNow(record, T0 + 5_000, 600)!;
    expect(moved.nextStepAt).toBe(T0 + 5_000);
    expect(moved.expiresAt).toBe(T0 + 5_000 + 480_000);
    expectCode(() => advanceNow(sampleRecord({ nextStep: 1 }), T0, 600), 'VERIFY_NO_NEXT_STEP');
  });

  it('counts a step triggered but not yet started as run: `next` again in that gap finds none left', () => {
    const last = advanceNow(sampleRecord({ steps, nextStep: 2, nextStepAt: T0 + 120_000, codeExpiresAt: T0 + 120_000 }), T0 + 5_000, 600);
    expectCode(() => advanceNow(last!, T0 + 5_001, 600), 'VERIFY_NO_NEXT_STEP');
    // with a step after the due one, the repeat changes nothing: the due step runs once
    const middle = advanceNow(sampleRecord({ steps, nextStep: 1, nextStepAt: T0 + 120_000, codeExpiresAt: T0 + 120_000 }), T0 + 5_000, 600);
    expect(middle).toBeDefined();
    expect(advanceNow(middle!, T0 + 5_001, 600)).toBeUndefined();
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

  it('fails a keypad verification at once when its last call was not answered', () => {
    const record = sampleRecord({ steps: reverse, nextStep: 1, attempts: [running] });
    const next = completeAttempt(record, 1, { result: 'not-answered', outcome: 'busy', reason: 5, cause: { q850: 17 } }, T0);
    expect(next).toMatchObject({ status: 'failed', failReason: 'not-answered', endedAt: T0 });
    expect(next?.attempts[0]).toMatchObject({ outcome: 'busy', reason: 5, cause: { q850: 17 } });
    expect(next?.codeSealed).toBeUndefined();
  });

  it('ignores a report for an attempt that is no longer running', () => {
    const record = sampleRecord({ attempts: [{ ...running, status: 'completed', result: 'aborted' }] });
    expect(completeAttempt(record, 1, { result: 'matched' }, T0)).toBeUndefined();
  });

  describe('when the last possible step failed', () => {
    const call = (code: 'same' | 'new' = 'same', waitSeconds = 0): WorkflowStep => ({ channel: 'call', waitSeconds, code });
    const sms = (code: 'same' | 'new' = 'same', waitSeconds = 0): WorkflowStep => ({ channel: 'sms', waitSeconds, code });
    const done = (n: number, channel: 'call' | 'sms', result: AttemptResult, extra: Partial<Attempt> = {}): Attempt => ({ n, channel, startedAt: T0, endedAt: T0, status: 'completed', result, ...extra });
    /** The record with `earlier` attempts done and the attempt of step `steps.length` running, completed as `result`. */
    function finish(steps: WorkflowStep[], earlier: Attempt[], result: AttemptResult, last: Partial<Attempt> = {}) {
      const n = earlier.length + 1;
      const channel = steps[n - 1]?.channel as 'call' | 'sms';
      const record = sampleRecord({ steps, nextStep: n, attempts: [...earlier, { n, channel, startedAt: T0, status: 'running', ...last }] });
      return completeAttempt(record, n, { result }, T0 + 5);
    }

    it.each([
      ['a one-step call that was busy, not answered, rejected or failed', [call()], [], 'not-answered', 'not-answered'],
      ['a one-step SMS that could not be sent', [sms()], [], 'send-failed', 'send-failed'],
      ['a one-step call whose gate got no digit (the code was never said)', [call()], [], 'gate-failed', 'gate-failed'],
      ['a one-step call the engine could not run', [call()], [], 'error', 'error'],
      ['SMS, then a call with a new code that was not answered', [sms(), call('new', 120)], [done(1, 'sms', 'delivered')], 'not-answered', 'not-answered'],
    ] as const)('fails at once: %s', (_label, steps, earlier, result, reason) => {
      expect(finish([...steps], [...earlier], result, steps.length > 1 && steps.at(-1)?.code === 'new' ? { newCode: true } : {})).toMatchObject({ status: 'failed', failReason: reason, endedAt: T0 + 5 });
    });

    it.each([
      ['a step that is not the last (the next one still runs)', [call(), call('same', 300)], 'not-answered'],
      ['a callee who hung up during the prompt (may have heard the code)', [call()], 'hung-up-during-prompt'],
      ['an attempt aborted by the end or by the next step', [call()], 'aborted'],
      ['a delivered code', [sms()], 'delivered'],
    ] as const)('stays pending after %s', (_label, steps, result) => {
      // the first step's attempt; nextStep 1 means the rest of the workflow is still to run
      const record = sampleRecord({ steps: [...steps], nextStep: 1, attempts: [{ n: 1, channel: steps[0].channel, startedAt: T0, status: 'running' }] });
      expect(completeAttempt(record, 1, { result }, T0)?.status).toBe('pending');
    });

    it('stays pending when an earlier step delivered the code still in force (the user may check it)', () => {
      expect(finish([sms(), call('same', 120)], [done(1, 'sms', 'delivered')], 'not-answered')?.status).toBe('pending');
      expect(finish([call(), call('same', 120)], [done(1, 'call', 'hung-up-during-prompt')], 'not-answered')?.status).toBe('pending');
      // …but not when a later step issued a new code: the delivered one no longer works
      expect(finish([sms(), call('new', 120), call('same', 180)], [done(1, 'sms', 'delivered'), done(2, 'call', 'not-answered', { newCode: true })], 'not-answered')).toMatchObject({
        status: 'failed',
        failReason: 'not-answered',
      });
    });

    it('marks the attempts of steps that issued a new code', () => {
      const record = sampleRecord({ steps: [sms(), call('new', 120)], nextStep: 1, attempts: [done(1, 'sms', 'delivered')] });
      expect(startStep(record, 1, T0, 600, { hash: 'h2', sealed: 's2' }, 'engine-a').attempt.newCode).toBe(true);
      expect(startStep(record, 1, T0, 600, undefined, 'engine-a').attempt.newCode).toBeUndefined();
    });
  });

  it('drops the sealed code when a verification ends', () => {
    expect(terminate(sampleRecord(), 'canceled', T0).codeSealed).toBeUndefined();
  });
});
