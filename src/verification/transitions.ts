import type { Attempt, AttemptResult, FailReason, VerificationRecord, VerificationStatus } from './model';
import { AppError, type ErrorCode } from '../lib/errors';
import type { AttemptReport } from './ports';
import { finalExpiry, planSteps } from './workflows';

/**
 * Pure state transitions. Each takes a record and returns the next version (v + 1) or throws an
 * AppError; the service writes it with compare-and-set and retries on a conflict.
 */

/**
 * The refusal that goes with a finished verification, the same for check, cancel and next
 * (docs/api.md "Finished verifications"): 409 with the state's code, 410 once expired.
 */
export function terminalError(record: Pick<VerificationRecord, 'status' | 'failReason' | 'wrongChecks' | 'maxChecks'>): AppError {
  const status = record.status as Exclude<VerificationStatus, 'pending'>;
  if (status === 'failed') {
    const reason = failReasonOf(record);
    return new AppError(reason === 'too-many-wrong-codes' ? 'VERIFY_TOO_MANY_ATTEMPTS' : 'VERIFY_FAILED', { details: { status, reason } });
  }
  const codes: Record<Exclude<VerificationStatus, 'pending' | 'failed'>, ErrorCode> = {
    approved: 'VERIFY_ALREADY_APPROVED',
    canceled: 'VERIFY_CANCELED',
    expired: 'VERIFY_EXPIRED',
  };
  return new AppError(codes[status], { details: { status } });
}

/** Why a failed verification failed (records written before the reason was kept: by their counters). */
export function failReasonOf(record: Pick<VerificationRecord, 'failReason' | 'wrongChecks' | 'maxChecks'>): FailReason | null {
  return record.failReason ?? (record.wrongChecks >= record.maxChecks ? 'too-many-wrong-codes' : null);
}

function bump(record: VerificationRecord, now: number, changes: Partial<VerificationRecord>): VerificationRecord {
  return { ...record, ...changes, v: record.v + 1, updatedAt: now };
}

/**
 * The record without its optional `nextStepAt` (and `codeSealed`), built by rest destructuring:
 * `delete` would push the object into V8's slow dictionary mode for the rest of its life.
 */
function withoutNextStep(record: VerificationRecord): VerificationRecord {
  const { nextStepAt: _next, ...rest } = record;
  return rest;
}

function withoutSeal(record: VerificationRecord): VerificationRecord {
  const { codeSealed: _sealed, ...rest } = record;
  return rest;
}

/** Ends a pending verification. Drops the sealed code: nothing will say it again. */
export function terminate(record: VerificationRecord, status: Exclude<VerificationStatus, 'pending' | 'failed'>, now: number): VerificationRecord {
  return withoutSeal(withoutNextStep(bump(record, now, { status, endedAt: now })));
}

/** Ends a pending verification as failed, with the reason. */
export function fail(record: VerificationRecord, reason: FailReason, now: number): VerificationRecord {
  return withoutSeal(withoutNextStep(bump(record, now, { status: 'failed', failReason: reason, endedAt: now })));
}

/** Is it past its expiry while still pending? */
export function isOverdue(record: VerificationRecord, now: number): boolean {
  return record.status === 'pending' && now >= record.expiresAt;
}

export interface StepStart {
  record: VerificationRecord;
  attempt: Attempt;
}

/**
 * Starts step `index`: records a running attempt, moves the code (new or same) and its validity,
 * plans the following steps from now.
 */
export function startStep(
  record: VerificationRecord,
  index: number,
  now: number,
  defaultValiditySeconds: number,
  code: { hash: string; sealed: string } | undefined,
  instance: string,
): StepStart {
  const step = record.steps[index];
  if (!step) throw new RangeError(`no step ${index}`);
  const validitySeconds = step.validitySeconds ?? defaultValiditySeconds;
  const codeExpiresAt = stepCodeExpiry(record, validitySeconds, index, now, code !== undefined);
  const later = planSteps(record.steps, index + 1, now, defaultValiditySeconds);
  const attempt: Attempt = { n: index + 1, channel: step.channel, startedAt: now, status: 'running', instance, ...(code ? { newCode: true as const } : {}) };
  const next = bump(record, now, {
    attempts: [...record.attempts.map((a) => (a.status === 'running' ? abortAttempt(a, now) : a)), attempt],
    nextStep: index + 1,
    codeExpiresAt,
    // with a code lifetime the step's validity keeps the request open even after its code expired
    expiresAt: Math.max(finalExpiry(later, codeExpiresAt), record.codeLifetimeSeconds === undefined ? 0 : now + validitySeconds * 1000),
    ...(code ? { codeHash: code.hash, codeSealed: code.sealed, codes: record.codes + 1 } : {}),
    ...(later[0] ? { nextStepAt: later[0].at } : {}),
  });
  return { record: later[0] ? next : withoutNextStep(next), attempt };
}

/**
 * When the code said by a starting step stops working. Normally the step's validity from now;
 * with a code lifetime (Vonage), a new or first code lives that long from now and a code said
 * again keeps its expiry (a caller-supplied code, never replaced, is given a new lifetime).
 */
function stepCodeExpiry(record: VerificationRecord, validitySeconds: number, index: number, now: number, newCode: boolean): number {
  const lifetime = record.codeLifetimeSeconds;
  if (lifetime === undefined) return now + validitySeconds * 1000;
  if (newCode || index === 0 || now >= record.codeExpiresAt) return now + lifetime * 1000;
  return record.codeExpiresAt;
}

function abortAttempt(attempt: Attempt, now: number): Attempt {
  return { ...attempt, status: 'completed', endedAt: now, result: 'aborted' };
}

/** Moves the next step to now (`next`), re-planning the expiry. */
export function advanceNow(record: VerificationRecord, now: number, defaultValiditySeconds: number): VerificationRecord | undefined {
  if (record.nextStep >= record.steps.length) throw new AppError('VERIFY_NO_NEXT_STEP');
  // A step already due but not yet started (an earlier `next` the scheduler has not run yet)
  // counts as run: a second `next` in that gap is the same request, not another step.
  const due = record.nextStepAt !== undefined && record.nextStepAt <= now;
  if (due && record.nextStep + 1 >= record.steps.length) throw new AppError('VERIFY_NO_NEXT_STEP');
  if (due) return undefined; // nothing to write: the due step runs once
  const plans = planSteps(record.steps, record.nextStep, now, defaultValiditySeconds, true);
  return bump(record, now, { nextStepAt: now, expiresAt: finalExpiry(plans, record.codeExpiresAt) });
}

/**
 * Records a finished attempt. A reverse match approves. A verification whose last step failed
 * fails at once (with that step's result as the reason) when nothing can approve it any more:
 * see {@link lastStepFailure}. Anything else leaves the status alone. Returns undefined if the
 * attempt is no longer running (already aborted or completed).
 */
export function completeAttempt(record: VerificationRecord, n: number, report: AttemptReport, now: number): VerificationRecord | undefined {
  const current = record.attempts.find((a) => a.n === n && a.status === 'running');
  if (!current) return undefined;
  const done: Attempt = { ...current, status: 'completed', endedAt: now, result: report.result };
  if (report.outcome !== undefined) done.outcome = report.outcome;
  if (report.cause !== undefined) done.cause = report.cause;
  if (report.reason !== undefined) done.reason = report.reason;
  if (report.matched !== undefined) done.matched = report.matched;
  if (report.amd !== undefined) done.amd = report.amd;
  if (report.detail !== undefined) done.detail = report.detail;
  if (report.sms !== undefined) done.sms = report.sms;
  if (report.trunk !== undefined) done.trunk = report.trunk;
  if (report.callerId !== undefined) done.callerId = report.callerId;
  if (report.failover !== undefined && report.failover.length > 0) done.failover = report.failover;
  if (report.flash !== undefined) done.flash = report.flash;
  if (report.ringAt !== undefined) done.ringAt = report.ringAt;
  const attempts = record.attempts.map((a) => (a === current ? done : a));
  if (record.status !== 'pending') return bump(record, now, { attempts });
  if (report.result === 'matched') return terminate({ ...record, attempts }, 'approved', now);
  const failure = lastStepFailure({ ...record, attempts }, done);
  if (failure !== undefined) return fail({ ...record, attempts }, failure, now);
  return bump(record, now, { attempts });
}

/** Records an SMS attempt's progress (`submitted`) on the attempt while it still runs. */
export function noteSms(record: VerificationRecord, n: number, sms: Attempt['sms'], now: number): VerificationRecord | undefined {
  const current = record.attempts.find((a) => a.n === n && a.status === 'running');
  if (!current || sms === undefined) return undefined;
  return bump(record, now, { attempts: record.attempts.map((a) => (a === current ? { ...current, sms } : a)) });
}

/** Results of a step that certainly did not deliver its code. */
const NOT_DELIVERED: ReadonlySet<AttemptResult> = new Set<AttemptResult>(['not-answered', 'send-failed', 'gate-failed', 'machine', 'error']);

/**
 * Why nothing can approve the verification after attempt `done`, or undefined while something
 * can. Only the last step's attempt decides (an earlier failure leaves the next step to run, and
 * `next` can run it now). An aborted attempt never decides: the verification ended or another
 * step took over. Keypad (reverse) workflows are approved only by a keypad match, so a last call
 * that ended without one fails them. Otherwise the user may still check a code that reached them:
 * the verification fails only when its last step certainly did not deliver (not answered, SMS
 * not sent, gate failed, engine error) and no earlier step delivered the code still in force (a
 * `new`-code step makes the codes said before it void). A callee who hung up during the prompt
 * may have heard the code: that leaves it pending.
 */
function lastStepFailure(record: VerificationRecord, done: Attempt): FailReason | undefined {
  const result = done.result;
  if (result === undefined || result === 'delivered' || result === 'matched' || result === 'aborted') return undefined;
  if (record.nextStep < record.steps.length || record.attempts.at(-1)?.n !== done.n) return undefined;
  if (record.steps.some((s) => s.channel === 'reverse')) return result;
  if (!NOT_DELIVERED.has(result)) return undefined;
  const issued = record.attempts.findLastIndex((a) => a.newCode === true);
  const inForce = record.attempts.slice(Math.max(0, issued));
  if (inForce.some((a) => a.result === 'delivered' || a.result === 'hung-up-during-prompt')) return undefined;
  return result;
}

export interface CheckOutcome {
  record: VerificationRecord;
  verified: boolean;
  attemptsRemaining: number;
}

/**
 * Applies an API code check. `matched` comes from the constant-time comparison.
 * Throws for finished verifications, expired codes and keypad-only workflows.
 */
export function applyCheck(record: VerificationRecord, matched: boolean, now: number): CheckOutcome {
  if (record.status !== 'pending') throw terminalError(record);
  // keypad workflows are approved on the call; missed-call-only ones by the user's call: no code to check
  if (record.steps.some((s) => s.channel === 'reverse') || record.steps.every((s) => s.channel === 'missed_call')) throw new AppError('VERIFY_CHECK_NOT_ALLOWED');
  if (now >= record.codeExpiresAt) {
    throw new AppError('VERIFY_CODE_EXPIRED', { details: { next_step_at: record.nextStepAt === undefined ? null : new Date(record.nextStepAt).toISOString() } });
  }
  if (matched) return { record: terminate(record, 'approved', now), verified: true, attemptsRemaining: record.maxChecks - record.wrongChecks };
  const wrongChecks = record.wrongChecks + 1;
  const remaining = Math.max(0, record.maxChecks - wrongChecks);
  const next = remaining === 0 ? fail({ ...record, wrongChecks }, 'too-many-wrong-codes', now) : bump(record, now, { wrongChecks });
  return { record: next, verified: false, attemptsRemaining: remaining };
}
