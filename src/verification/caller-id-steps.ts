import { AppError } from '../lib/errors';
import type { Attempt, MissedCallState, VerificationRecord } from './model';
import type { ServiceDeps } from './service-deps';
import { terminate } from './transitions';

/**
 * The two channels where a caller ID carries the proof (docs/verification-channels.md): flash
 * calls (the code is the last digits of the number that called) and missed calls (the user's own
 * number calls one of ours). Pure helpers of the service.
 */

/** Line-claim names in the store: one flash caller ID towards one number; one DID and the user number that will call it. */
export const flashLine = (to: string, callerId: string): string => `fc:${to}:${callerId}`;
export const missedCallLine = (callTo: string, from: string): string => `mc:${callTo}:${from}`;

/** The flash attempt whose code is in force (the latest flash attempt, when no later step issued a new code). */
function currentFlash(record: VerificationRecord): Attempt | undefined {
  for (let i = record.attempts.length - 1; i >= 0; i--) {
    const a = record.attempts[i] as Attempt;
    if (a.channel === 'flash_call') return a;
    if (a.newCode) return undefined;
  }
  return undefined;
}

/**
 * A check of a flash-call code takes the last digits or the whole calling number (`+` optional,
 * as a call log shows it). Returns the digits to compare with the code: the number's last
 * `codeLength` digits when it is the caller ID the engine presented, the candidate itself
 * otherwise (a wrong full number then counts as a wrong code).
 */
export function flashCandidate(record: VerificationRecord, candidate: string): string {
  const digits = candidate.replace(/^\+/, '');
  if (record.flash === undefined && digits !== candidate) throw new AppError('CODE_INVALID_FORMAT', { details: { field: 'code' } });
  if (record.flash === undefined || digits.length <= record.codeLength) return candidate;
  const presented = currentFlash(record)?.callerId?.replace(/^\+/, '');
  return presented !== undefined && presented === digits ? digits.slice(-record.codeLength) : candidate;
}

/** Caller-ID claims a verification holds (released when it ends). */
export function heldLines(record: VerificationRecord): Array<{ kind: 'flash'; callerId: string } | { kind: 'missed'; callTo: string }> {
  const lines: Array<{ kind: 'flash'; callerId: string } | { kind: 'missed'; callTo: string }> = [];
  for (const a of record.attempts) if (a.channel === 'flash_call' && a.callerId !== undefined) lines.push({ kind: 'flash', callerId: a.callerId });
  if (record.missedCall) lines.push({ kind: 'missed', callTo: record.missedCall.callTo });
  return lines;
}

/** What the engine knew of an inbound call that matched a pending missed-call verification. */
export interface InboundProof {
  at: number;
  attestation?: 'A' | 'B' | 'C' | undefined;
}

/**
 * The user called: the verification is approved. A running missed-call attempt completes as
 * `matched` (with the call's time); otherwise (the call came before the step started, or after a
 * later step took over) the record alone says so. Undefined when it is no longer pending.
 */
export function approveByCall(record: VerificationRecord, proof: InboundProof): VerificationRecord | undefined {
  if (record.status !== 'pending' || record.missedCall === undefined) return undefined;
  const missedCall: MissedCallState = { ...record.missedCall, calledAt: proof.at, ...(proof.attestation ? { attestation: proof.attestation } : {}) };
  const attempts = record.attempts.map((a): Attempt =>
    a.channel === 'missed_call' && a.status === 'running' ? { ...a, status: 'completed', endedAt: proof.at, result: 'matched', ringAt: proof.at } : a,
  );
  return terminate({ ...record, attempts, missedCall }, 'approved', proof.at);
}

/** The line claims of flash and missed-call steps, on the service's behalf. */
export class CallerIdLines {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'flash' | 'missedCall' | 'logger'>) {}

  /** A missed-call workflow gets its number to call before it is stored (MISSED_CALL_POOL_EXHAUSTED otherwise). */
  async claimCallTo(record: VerificationRecord, country: string | undefined, now: number): Promise<void> {
    if (!record.steps.some((s) => s.channel === 'missed_call')) return;
    if (!this.deps.missedCall) throw new AppError('CHANNEL_UNSUPPORTED', { details: { channel: 'missed_call' } });
    record.missedCall = { callTo: await this.deps.missedCall.claim(record.to, country, record.id, record.expiresAt - now) };
  }

  /** The caller ID and code of flash step `index` (read before the step's write: claiming is a store round trip). */
  async flashFor(id: string, record: VerificationRecord | undefined, index: number, now: number): Promise<{ callerId: string; code: string } | undefined> {
    const flash = this.deps.flash;
    if (!flash) return undefined;
    if (record?.status !== 'pending' || record.nextStep !== index || record.steps[index]?.channel !== 'flash_call') return undefined;
    const got = await flash.allocate(record.to, record.codeLength, id, Math.max(1_000, record.expiresAt - now));
    if (!got) this.deps.logger.warn({ verificationId: id }, 'no flash caller ID free for this number');
    return got;
  }

  /** Frees what an ended verification held (best effort: the claims also lapse at its expiry). */
  async release(record: VerificationRecord, keep?: string): Promise<void> {
    for (const line of heldLines(record)) {
      if (line.kind === 'flash' && line.callerId !== keep) await this.deps.flash?.release(record.to, line.callerId, record.id);
      if (line.kind === 'missed' && keep === undefined) await this.deps.missedCall?.release(line.callTo, record.to, record.id);
    }
  }
}
