import type { CallCause } from '../pbx/port';
import type { AmdMode } from '../config/schema';
import type { Attempt, AttemptAmd, FailReason, FlashReason, VerificationRecord } from './model';
import { failReasonOf } from './transitions';

/** The public shape of a verification (REST responses and webhook payloads). snake_case, ISO times. */
export interface VerificationView {
  id: string;
  status: VerificationRecord['status'];
  /** Why a failed verification failed; null otherwise. */
  failure_reason: FailReason | null;
  to: string;
  channel: string;
  workflow: string;
  lang: string;
  /** Answering-machine detection of the calls (`off`, `hangup`, `wait_for_beep`); workflow steps may set their own. */
  amd: AmdMode;
  created_at: string;
  updated_at: string;
  expires_at: string;
  code_expires_at: string;
  ended_at: string | null;
  next_step_at: string | null;
  checks: { wrong: number; max: number; remaining: number };
  attempts: AttemptView[];
  /** Flash calls: the caller ID starts with `caller_id_prefix`; its last `code_length` digits are the code. */
  flash_call?: { caller_id_prefix: string; code_length: number };
  /** Missed-call verification: the number the user calls from the number being verified, until `expires_at`; the call once it came. */
  missed_call?: { call_to: string; expires_at: string; called_at: string | null; attestation: 'A' | 'B' | 'C' | null };
}

export interface AttemptView {
  n: number;
  channel: string;
  status: Attempt['status'];
  started_at: string;
  ended_at: string | null;
  result: string | null;
  /** Calls: answered | busy | no-answer | rejected | unreachable | congestion | failed | canceled. */
  outcome: string | null;
  /** Calls: legacy reason code (0 failed, 1 hung up, 3 ring timeout, 5 busy, 8 congestion); null when answered. */
  reason_code: number | null;
  cause: { q850: number | null; sip: number | null; text: string | null } | null;
  /** Reverse: whether the keyed digits matched. */
  matched: boolean | null;
  /** Why, in a few words, when the result needs it (`wrong digit`, `dialer queue full`, an SMS id…). */
  detail: string | null;
  /** SMS: gateway, receipt status (`submitted`, `delivered`, `failed`, `unknown`), parts, encoding, cost, failure reason. */
  sms: { gateway: string; status: NonNullable<Attempt['sms']>['status']; parts: number; encoding: NonNullable<Attempt['sms']>['encoding']; cost: number; reason: string | null } | null;
  /** Calls: the trunk the call was answered on or ended on. */
  trunk: string | null;
  /** Calls: the caller ID presented. */
  caller_id: string | null;
  /** Flash calls: rang | answered | busy | failed (see `cause`). */
  flash_outcome?: FlashReason;
  /** Calls: when the callee's side started ringing (a ringing event came). */
  ring_at?: string;
  /** Calls: trunks that refused first (failover within the attempt), in order. */
  failover: Array<{ trunk: string; outcome: string; cause: { q850: number | null; sip: number | null; text: string | null } }>;
  /** Calls with answering-machine detection: mode, verdict, the detector's cause, beep heard, message left; null when off or not answered. */
  amd: { mode: AttemptAmd['mode']; result: AttemptAmd['result']; cause: string | null; beep: boolean | null; message_left: boolean; ms: number | null } | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function attemptView(a: Attempt): AttemptView {
  return {
    n: a.n,
    channel: a.channel,
    status: a.status,
    started_at: iso(a.startedAt),
    ended_at: a.endedAt === undefined ? null : iso(a.endedAt),
    result: a.result ?? null,
    outcome: a.outcome ?? null,
    reason_code: a.reason ?? null,
    cause: a.cause ? { q850: a.cause.q850 ?? null, sip: a.cause.sip ?? null, text: a.cause.text ?? null } : null,
    matched: a.matched ?? null,
    detail: a.detail ?? null,
    sms: a.sms ? { gateway: a.sms.gateway, status: a.sms.status, parts: a.sms.parts, encoding: a.sms.encoding, cost: a.sms.cost, reason: a.sms.reason ?? null } : null,
    trunk: a.trunk ?? null,
    caller_id: a.callerId ?? null,
    failover: (a.failover ?? []).map((f) => ({ trunk: f.trunk, outcome: f.outcome, cause: causeView(f.cause) })),
    amd: a.amd
      ? { mode: a.amd.mode, result: a.amd.result, cause: a.amd.cause ?? null, beep: a.amd.beep ?? null, message_left: a.amd.messageLeft === true, ms: a.amd.ms ?? null }
      : null,
    ...(a.flash !== undefined ? { flash_outcome: a.flash } : {}),
    ...(a.ringAt !== undefined ? { ring_at: iso(a.ringAt) } : {}),
  };
}

function causeView(c: CallCause): { q850: number | null; sip: number | null; text: string | null } {
  return { q850: c.q850 ?? null, sip: c.sip ?? null, text: c.text ?? null };
}

export function verificationView(r: VerificationRecord): VerificationView {
  return {
    id: r.id,
    status: r.status,
    failure_reason: r.status === 'failed' ? failReasonOf(r) : null,
    to: r.to,
    channel: r.steps[0]?.channel ?? 'call',
    workflow: r.workflow,
    lang: r.lang,
    amd: r.amd ?? 'off',
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    expires_at: iso(r.expiresAt),
    code_expires_at: iso(r.codeExpiresAt),
    ended_at: r.endedAt === undefined ? null : iso(r.endedAt),
    next_step_at: r.nextStepAt === undefined ? null : iso(r.nextStepAt),
    checks: { wrong: r.wrongChecks, max: r.maxChecks, remaining: Math.max(0, r.maxChecks - r.wrongChecks) },
    attempts: r.attempts.map(attemptView),
    ...(r.flash ? { flash_call: { caller_id_prefix: r.flash.prefix, code_length: r.flash.codeLength } } : {}),
    ...(r.missedCall
      ? {
          missed_call: {
            call_to: r.missedCall.callTo,
            expires_at: iso(r.expiresAt),
            called_at: r.missedCall.calledAt === undefined ? null : iso(r.missedCall.calledAt),
            attestation: r.missedCall.attestation ?? null,
          },
        }
      : {}),
  };
}
