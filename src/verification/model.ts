import type { AmdMode, ChannelName } from '../config/schema';
import type { AmdVerdict, CallCause, DialOutcome, LegacyReason, TrunkRefusal } from '../pbx/port';
import type { SmsDelivery } from '../sms/port';

export type VerificationStatus = 'pending' | 'approved' | 'failed' | 'expired' | 'canceled';
export const TERMINAL_STATUSES: ReadonlySet<VerificationStatus> = new Set(['approved', 'failed', 'expired', 'canceled']);

export interface WorkflowStep {
  channel: ChannelName;
  /** Seconds after the previous step started (after creation for the first step). */
  waitSeconds: number;
  /** `new` issues a fresh code (the old one stops working); `same` says the current one again. */
  code: 'same' | 'new';
  /** The code is valid until this long after the step starts; the request's expiry when absent. */
  validitySeconds?: number | undefined;
  /** Answering-machine detection for this step's call; the verification's own when absent. */
  amd?: AmdMode | undefined;
}

/** What answering-machine detection found on an attempt's call (docs/amd.md). */
export interface AttemptAmd extends AmdVerdict {
  /** The mode the call ran with. */
  mode: Exclude<AmdMode, 'off'>;
  /** `wait_for_beep` on a machine: the short message (no code) was played to the end. */
  messageLeft?: boolean;
}

/**
 * What a workflow step achieved.
 * - `delivered`: voice spoke the whole code / SMS accepted by the PBX or gateway
 * - `matched` / `mismatch` / `no-input`: reverse verification results
 * - `hung-up-during-prompt`: answered, then the callee hung up before the script ended
 * - `gate-failed`: the anti-voicemail gate got a wrong key or none
 * - `machine`: answering-machine detection found a machine; nothing with the code was spoken
 * - `not-answered`: the dial failed (see `outcome` for busy / no-answer / …)
 * - `send-failed`: the SMS could not be sent, or its receipt said it failed
 * - `unconfirmed`: the SMS gateway accepted it but no receipt came within the receipt timeout
 * - `aborted`: the verification ended (approved, canceled, expired) while the step ran
 * - `error`: the engine could not run the step (PBX unavailable, internal fault)
 */
export type AttemptResult =
  | 'delivered'
  | 'matched'
  | 'mismatch'
  | 'no-input'
  | 'hung-up-during-prompt'
  | 'gate-failed'
  | 'machine'
  | 'not-answered'
  | 'send-failed'
  | 'unconfirmed'
  | 'aborted'
  | 'error';

/**
 * Why a verification failed: too many wrong codes, or the result of its last step when that step
 * could not deliver the code and none delivered before it still works (`not-answered`,
 * `send-failed`, `gate-failed`, `machine`, `error`; keypad workflows also `mismatch`, `no-input`,
 * `hung-up-during-prompt`).
 */
export type FailReason = 'too-many-wrong-codes' | Exclude<AttemptResult, 'delivered' | 'matched' | 'aborted'>;

/**
 * How a flash call ended: `rang` (the callee's phone alerted and the engine hung up: the caller ID
 * is in its call log), `answered` (answered before any ringing was reported; hung up at once),
 * `busy`, or `failed` (anything else; the attempt's `cause` says what).
 */
export type FlashReason = 'rang' | 'answered' | 'busy' | 'failed';

export interface Attempt {
  /** 1-based position in the workflow. */
  n: number;
  channel: ChannelName;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'completed';
  result?: AttemptResult;
  /** Calls only: the normalized dial outcome. */
  outcome?: DialOutcome;
  /** Calls only: the raw cause the driver saw. */
  cause?: CallCause;
  /** Calls only: legacy reason code (seed 002); null when answered. */
  reason?: LegacyReason | null;
  /** Reverse only: whether the keyed digits matched. */
  matched?: boolean;
  /** Calls with answering-machine detection on: what it found (absent when off or not answered). */
  amd?: AttemptAmd;
  /** SMS only: gateway, parts, encoding, cost and the receipt status. */
  sms?: SmsDelivery;
  /** Routed calls: the trunk the call was answered on or ended on. */
  trunk?: string;
  /** Routed calls: the caller ID presented on that trunk (always a pool number). */
  callerId?: string;
  /** Routed calls: trunks tried first that refused with a trunk cause (failover within the attempt). */
  failover?: TrunkRefusal[];
  /** Engine instance running it (scale-out: reconcile attempts of a dead instance). */
  instance?: string;
  detail?: string;
  /** The step issued a new code (the ones said before it stopped working). */
  newCode?: true;
  /** Flash calls: how the call ended. */
  flash?: FlashReason;
  /** Calls: when the callee's side started ringing (engine ms), when a ringing event came. */
  ringAt?: number;
}

/** What an app needs to read a flash-call code: the caller ID starts with `prefix`, its last `codeLength` digits are the code. */
export interface FlashPlan {
  prefix: string;
  codeLength: number;
}

/**
 * A missed-call verification: the user calls `callTo` from the number being verified. Filled in
 * when the call came (`caller` as received, normalised to E.164, and the STIR/SHAKEN attestation).
 */
export interface MissedCallState {
  callTo: string;
  calledAt?: number;
  attestation?: 'A' | 'B' | 'C';
}

export interface VerificationRecord {
  /** Version for optimistic concurrency: every write increments it. */
  v: number;
  id: string;
  keyId: string;
  to: string;
  workflow: string;
  steps: WorkflowStep[];
  lang: string;
  brand: string;
  sender?: string;
  template?: string;
  callerId?: string;
  callbackUrl?: string;
  gate: boolean;
  /** Silence before a voice call's first prompt, in ms, when the request or key chose one (else the engine default). */
  leadInMs?: number;
  /** Answering-machine detection of the verification's calls (request over key); absent when off. */
  amd?: Exclude<AmdMode, 'off'>;
  status: VerificationStatus;
  /** Set when status is `failed`. */
  failReason?: FailReason;
  createdAt: number;
  updatedAt: number;
  /** When the verification as a whole expires (moves when `next` reschedules steps). */
  expiresAt: number;
  endedAt?: number;
  /** Default code validity of a step without its own (the request's expiry_seconds). */
  expirySeconds: number;
  /**
   * Vonage-style codes (seed 004's pin_expiry): a code lives this long from when it was issued,
   * a later step says it again only while it lives and issues a new one once it has expired.
   * Steps' `validitySeconds` then say how long the verification stays open after each step.
   */
  codeLifetimeSeconds?: number;
  /** Opaque strings a compat adapter keeps with the verification (called.in's callback). */
  meta?: Record<string, string>;
  codeLength: number;
  customCode: boolean;
  codeHash: string;
  /** Sealed code, kept only while the verification is pending. */
  codeSealed?: string;
  codeExpiresAt: number;
  /** How many codes were issued so far (1 at creation). */
  codes: number;
  wrongChecks: number;
  maxChecks: number;
  /** Index of the next workflow step to run; equals steps.length when none remain. */
  nextStep: number;
  /** When the next step runs (epoch ms); absent when none remains. */
  nextStepAt?: number;
  attempts: Attempt[];
  /** Flash-call steps: what the app matches (caller-ID prefix and code length). */
  flash?: FlashPlan;
  /** Missed-call steps: the number to call, and the call once it came. */
  missedCall?: MissedCallState;
}

export function isTerminal(status: VerificationStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/**
 * What the channel saw of an attempt, for the history's call detail record (not kept on the
 * live record). Times are epoch ms of the engine clock; never a number's digits or DTMF.
 */
export interface AttemptCdr {
  /** PBX node that carried the call (the dialer's node name). */
  node?: string;
  trunk?: string;
  callerId?: string;
  dialedAt?: number;
  ringingAt?: number;
  answeredAt?: number;
  endedAt?: number;
  /** Answer to hang-up, whole seconds rounded up; 0 when not answered. */
  billsec?: number;
  /** The final hang-up cause as the PBX reported it (SIP status and Q.850 when known). */
  cause?: CallCause;
  smsParts?: number;
  /** `accepted` by the PBX/gateway, or the refusal. */
  smsStatus?: string;
}

/** Domain events; the service turns them into webhooks, metrics and history. */
export type DomainEvent =
  | { type: 'verification.started'; record: VerificationRecord }
  | { type: 'verification.approved' | 'verification.failed' | 'verification.expired' | 'verification.canceled'; record: VerificationRecord }
  | { type: 'attempt.started' | 'attempt.updated'; record: VerificationRecord; attempt: Attempt }
  | { type: 'attempt.completed'; record: VerificationRecord; attempt: Attempt; cdr?: AttemptCdr | undefined };
