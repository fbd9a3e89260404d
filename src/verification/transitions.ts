import type { Attempt, VerificationRecord, VerificationStatus } from './model';
import { AppError, type ErrorCode } from '../lib/errors';
import type { AttemptReport } from './ports';
import { finalExpiry, planSteps } from './workflows';

/**
 * Pure state transitions. Each takes a record and returns the next version (v + 1) or throws an
 * AppError; the service writes it with compare-and-set and retries on a conflict.
 */

/** The refusal that goes with a finished verification. */
export function terminalError(status: Exclude<VerificationStatus, 'pending'>): AppError {
  const codes: Record<Exclude<VerificationStatus, 'pending'>, ErrorCode> = {
    approved: 'VERIFY_ALREADY_APPROVED',
    canceled: 'VERIFY_CANCELED',
    failed: 'VERIFY_TOO_MANY_ATTEMPTS',
    expired: 'VERIFY_EXPIRED',
  };
  return new AppError(codes[status], { details: { status } });
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
export function terminate(record: VerificationRecord, status: Exclude<VerificationStatus, 'pending'>, now: number): VerificationRecord {
  return withoutSeal(withoutNextStep(bump(record, now, { status, endedAt: now })));
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
  const attempt: Attempt = { n: index + 1, channel: step.channel, startedAt: now, status: 'running', instance };
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
export function advanceNow(record: VerificationRecord, now: number, defaultValiditySeconds: number): VerificationRecord {
  if (record.nextStep >= record.steps.length) throw new AppError('VERIFY_NO_NEXT_STEP');
  const plans = planSteps(record.steps, record.nextStep, now, defaultValiditySeconds, true);
  return bump(record, now, { nextStepAt: now, expiresAt: finalExpiry(plans, record.codeExpiresAt) });
}

/**
 * Records a finished attempt. A reverse match approves; a reverse attempt that ended without
 * a match when no step remains fails the verification. Anything else leaves the status alone.
 * Returns undefined if the attempt is no longer running (already aborted or completed).
 */
export function completeAttempt(record: VerificationRecord, n: number, report: AttemptReport, now: number): VerificationRecord | undefined {
  const current = record.attempts.find((a) => a.n === n && a.status === 'running');
  if (!current) return undefined;
  const done: Attempt = { ...current, status: 'completed', endedAt: now, result: report.result };
  if (report.outcome !== undefined) done.outcome = report.outcome;
  if (report.cause !== undefined) done.cause = report.cause;
  if (report.reason !== undefined) done.reason = report.reason;
  if (report.matched !== undefined) done.matched = report.matched;
  if (report.detail !== undefined) done.detail = report.detail;
  if (report.trunk !== undefined) done.trunk = report.trunk;
  if (report.callerId !== undefined) done.callerId = report.callerId;
  if (report.failover !== undefined && report.failover.length > 0) done.failover = report.failover;
  const attempts = record.attempts.map((a) => (a === current ? done : a));
  if (record.status !== 'pending') return bump(record, now, { attempts });
  if (report.result === 'matched') return terminate({ ...record, attempts }, 'approved', now);
  const noStepLeft = record.nextStep >= record.steps.length;
  if (noStepLeft && (report.result === 'mismatch' || report.result === 'no-input') && done.channel === 'reverse') {
    return terminate({ ...record, attempts }, 'failed', now);
  }
  return bump(record, now, { attempts });
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
  if (record.status !== 'pending') throw terminalError(record.status);
  if (record.steps.some((s) => s.channel === 'reverse')) throw new AppError('VERIFY_CHECK_NOT_ALLOWED');
  if (now >= record.codeExpiresAt) {
    throw new AppError('VERIFY_CODE_EXPIRED', { details: { next_step_at: record.nextStepAt === undefined ? null : new Date(record.nextStepAt).toISOString() } });
  }
  if (matched) return { record: terminate(record, 'approved', now), verified: true, attemptsRemaining: record.maxChecks - record.wrongChecks };
  const wrongChecks = record.wrongChecks + 1;
  const remaining = Math.max(0, record.maxChecks - wrongChecks);
  const next = remaining === 0 ? terminate({ ...record, wrongChecks }, 'failed', now) : bump(record, now, { wrongChecks });
  return { record: next, verified: false, attemptsRemaining: remaining };
}
