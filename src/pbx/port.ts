/**
 * The Pbx port: the only way the engine talks to a telephone system.
 *
 * Drivers (simulator, asterisk-ari, freeswitch-esl) implement it; channel scripts
 * (src/channels) are written once against it. Nothing here names an ARI or ESL concept,
 * a Q.850 number outside {@link CallCause}, or a protocol header.
 *
 * Contract shared by every operation:
 * - Expected telephony results (busy, no answer, hung up mid-prompt, no digits) are VALUES,
 *   never exceptions. A method throws only for programming errors (bad arguments).
 * - Every operation takes a deadline (`timeoutMs`) and/or an AbortSignal and settles when it
 *   passes; nothing waits forever on a PBX that went away.
 */

import type { DialFamily } from './dial-template';

/** Normalized result of trying to reach a callee. Decided once, inside each driver. */
export type DialOutcome =
  | 'answered'
  | 'busy'
  | 'no-answer'
  | 'rejected'
  | 'unreachable'
  | 'congestion'
  | 'failed'
  | 'canceled';

export const DIAL_OUTCOMES: readonly DialOutcome[] = [
  'answered',
  'busy',
  'no-answer',
  'rejected',
  'unreachable',
  'congestion',
  'failed',
  'canceled',
];

/**
 * Reason codes of the classic originate API that reverse-verify callbacks still use
 * (seed 002): 0 failed, 1 hung up, 3 ring timeout, 5 busy, 8 congestion.
 * `null` when the call was answered (the legacy API sends no reason then).
 */
export type LegacyReason = 0 | 1 | 3 | 5 | 8;

/** The raw signal a driver saw, kept for operators; never used for decisions above the driver. */
export interface CallCause {
  /** Q.850 cause when known (16 normal clearing, 17 busy, 19 no answer, 21 rejected…). */
  q850?: number;
  /** SIP final status when known (486, 480, 603…). */
  sip?: number;
  /** Driver-specific text (Asterisk cause_txt / dialstatus, FreeSWITCH hangup cause name). */
  text?: string;
}

/** How a call (or an attempt to make one) ended, normalized by the driver. */
export interface CallEnd {
  /** For calls that were never answered: why. `answered` for calls that were. */
  outcome: DialOutcome;
  /** Who ended an answered call: the callee, our side (hangup()/abort), or the PBX (lost, timeout). */
  by: 'remote' | 'local' | 'pbx';
  cause: CallCause;
  /** Legacy reason code, `null` when answered. */
  reason: LegacyReason | null;
  /** Epoch ms. */
  at: number;
  /** The PBX node the dial went to, when a dialer chose one (call detail records). */
  node?: string;
}

/** One item of audio to play: a prompt file by id in the call's language, or silence. */
export type PlayItem = { prompt: string } | { silenceMs: number };

export interface OriginateRequest {
  /** E.164 destination, already validated (`+` and 7–15 digits). */
  to: string;
  /** E.164 or digits-only caller ID, already checked against the key's allowed numbers. */
  callerId?: string;
  /** Prompt language of the call (a pack id such as `en`, `pt-BR`). */
  lang: string;
  /** Trunk name for the dial string template; the driver's default when absent. */
  trunk?: string;
  /** A routed trunk's own dial templates by PBX family; the driver's configured template when absent. */
  dial?: Readonly<Partial<Record<DialFamily, string>>>;
  /** The number as the trunk dials it (number format, tech prefix) for `{number}`; `to` when absent. */
  dialNumber?: string;
  /** National significant number for `{national}`. */
  national?: string;
  /** What the call is for (routes may choose trunks by it). */
  channel?: 'call' | 'reverse' | 'flash_call';
  /**
   * The ringing event: called at most once, when the callee's side is alerting (ARI
   * `ChannelStateChange` to Ringing or a `Dial` RINGING/PROGRESS; ESL `CHANNEL_PROGRESS` or
   * `CHANNEL_PROGRESS_MEDIA`; the simulator's ring), with the engine time it was seen. A flash
   * call hangs up on it by aborting the originate's signal. Never called after originate settled.
   */
  onRinging?: (ringing: DialRinging) => void;
  /**
   * Answering-machine detection: the driver classifies the answered call before `originate`
   * resolves and puts the verdict on {@link Call.amd}. `wait_for_beep` also waits, on a machine,
   * until its beep (or the end of its greeting) before resolving. Absent: no detection (off).
   */
  amd?: AmdRequest;
  /**
   * The prompt list the script will play first once the call is answered (the code announcement
   * when no gate question comes first). A driver may start it the moment the call is up, before
   * `originate` resolves; the script's first {@link Call.play} of the same items then continues
   * that playback (its deadline, signal and digit rule apply from then on) instead of starting
   * another. Any other first operation stops it first. Ignored with `amd` (the verdict decides
   * what is played) and by drivers whose first prompt starts at once anyway (docs/freeswitch.md
   * "The greeting"). Never logged: it names the code's digits.
   */
  greeting?: PlayItem[];
  /** How long the callee may ring before the attempt ends as `no-answer`. */
  ringTimeoutMs: number;
  /** Correlation tag for logs ({@link attemptTag}); never put into a dial string. */
  tag: string;
}

/** The callee's side is alerting (a flash call's moment to hang up). */
export interface DialRinging {
  /** Epoch ms of the engine clock. */
  at: number;
  /** `ringing` (180 / Ringing state) or `progress` (183, early media). */
  kind: 'ringing' | 'progress';
}

/** Answering-machine detection modes a driver runs (the engine's `off` is no request at all). */
export type AmdRequest = 'hangup' | 'wait_for_beep';

/** What answering-machine detection decided on an answered call. */
export interface AmdVerdict {
  /** `notsure` when the detector could not tell (treated as a human: the code is spoken). */
  result: 'human' | 'machine' | 'notsure';
  /** The detector's reason (Asterisk AMDCAUSE such as `LONGGREETING-2000-1500`, FreeSWITCH `greeting-3400ms`); never audio. */
  cause?: string;
  /** `wait_for_beep` on a machine: true when the beep was heard, false when the wait ended without one. */
  beep?: boolean;
  /** From answer to the verdict (and, with `wait_for_beep`, to the beep), ms. */
  ms?: number;
}

/** One trunk a routed call was refused on before the trunk it ended on (failover within one attempt). */
export interface TrunkRefusal {
  trunk: string;
  outcome: DialOutcome;
  cause: CallCause;
}

/** Where a routed call went: set by the router (src/routing), absent for unrouted calls. */
export interface RouteTaken {
  /** The trunk the call was answered on or ended on; absent when no trunk was tried. */
  trunk?: string;
  /** The caller ID presented on that trunk. */
  callerId?: string;
  /** Trunks tried before it, in order, with the refusal that moved the call on. */
  failover: TrunkRefusal[];
}

export type OriginateResult = { ok: true; call: Call; route?: RouteTaken } | { ok: false; end: CallEnd; route?: RouteTaken };

export interface OperationOptions {
  /** Hard deadline for the whole operation. */
  timeoutMs: number;
  /** Aborting stops the operation (and, for originate, hangs up whatever was started). */
  signal?: AbortSignal;
}

/** Why an operation on a live call did not complete. */
export type CallStop =
  /** The call ended (callee hung up, PBX lost it…) while the operation ran. */
  | { ok: false; reason: 'ended'; end: CallEnd }
  /** The operation's deadline passed; what it was doing has been stopped. */
  | { ok: false; reason: 'timeout' }
  /** The caller's AbortSignal fired; what it was doing has been stopped. */
  | { ok: false; reason: 'aborted' };

export type PlayResult = { ok: true; interruptedBy?: string } | CallStop;

export interface CollectOptions {
  /** Audio played first; stopped by the first digit (barge-in). */
  prompt?: PlayItem[];
  /** Maximum digits before the collection ends by itself (terminator excluded). */
  maxDigits: number;
  /** Digit that ends the input; not included in the result. `#` by default. */
  terminator?: string;
  /** From the end of the prompt to the first digit. */
  firstDigitTimeoutMs: number;
  /** Between two digits. */
  interDigitTimeoutMs: number;
  /** Cap on the whole collection including the prompt. */
  totalTimeoutMs: number;
  signal?: AbortSignal;
}

export type CollectResult =
  | {
      ok: true;
      digits: string;
      /** Why collection stopped. `timeout` with digits means the caller stopped typing. */
      endedBy: 'terminator' | 'max-digits' | 'timeout';
    }
  | CallStop;

/** Events a call emits while it lives. */
export interface CallEvents {
  /** A keypad digit received (RFC 2833 / INFO / inband, whatever the PBX decoded). */
  dtmf: (digit: string) => void;
  /** Emitted once, with the same value {@link Call.ended} resolves to. */
  ended: (end: CallEnd) => void;
}

/** An answered call. Obtained only from a successful {@link Pbx.originate}. */
export interface Call {
  /** Driver-side identifier (ARI channel id, FreeSWITCH uuid, simulator id). */
  readonly id: string;
  /** The PBX node carrying the call, when a dialer chose one (call detail records). */
  readonly node?: string | undefined;
  /** Resolves once when the call is over, whoever ended it. Never rejects. */
  readonly ended: Promise<CallEnd>;
  /** The answering-machine verdict when the originate request asked for detection. */
  readonly amd?: AmdVerdict | undefined;
  /**
   * Plays items in order. Resolves `{ok: true}` when all were played, with `interruptedBy`
   * when `interruptOnDtmf` stopped it at a digit; a {@link CallStop} when the call ended, the
   * deadline passed or the signal fired (playback is stopped in the last two cases).
   */
  play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult>;
  /**
   * Plays the optional prompt (stopped by the first digit) and collects digits until the
   * terminator, `maxDigits`, or a timeout. Digits pressed during the prompt count. `totalTimeoutMs`
   * ending the collection is a normal `{ok: true, endedBy: 'timeout'}`, not a {@link CallStop}.
   */
  collectDigits(opts: CollectOptions): Promise<CollectResult>;
  /** Ends the call. Idempotent: hanging up a call that is already gone is not an error. */
  hangup(): Promise<void>;
  on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this;
  off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this;
}

export interface MessageRequest {
  to: string;
  /** Sender: E.164 number or alphanumeric (≤ 11 characters), already validated. */
  from: string;
  body: string;
  tag: string;
}

export type MessageResult =
  | { ok: true; messageId: string }
  | { ok: false; error: 'unreachable' | 'rejected' | 'unsupported' | 'failed' | 'timeout'; detail?: string };

/**
 * A call to one of the engine's numbers (missed-call verification), not answered. The driver
 * hands it over raw; src/inbound/ judges it and always rejects it (the caller pays nothing).
 */
export interface InboundCall {
  /** Driver-side identifier. */
  readonly id: string;
  /** The number dialled, as the PBX gave it (digits, maybe with +). */
  readonly did: string;
  /** The caller number exactly as received: may be `anonymous`, national, `00…`, carry a `;tag`… */
  readonly from: string;
  /** The caller asked for privacy (Privacy: id, CLIR). */
  readonly withheld: boolean;
  /** STIR/SHAKEN attestation when the PBX passed a verification result (Identity header or `verstat`); `failed` when verification failed. */
  readonly attestation?: 'A' | 'B' | 'C' | 'failed' | undefined;
  /** Engine time the call's first event was seen (epoch ms). */
  readonly at: number;
  /** Refuses the call unanswered: `busy` (486, cause 17) or `decline` (603, cause 21). Idempotent; never rejects. */
  reject(how: 'busy' | 'decline'): Promise<void>;
}

export interface PbxHealth {
  /** True when the driver can place calls now. */
  ready: boolean;
  /** Human-readable state for /readyz (`connected`, `reconnecting (attempt 4)`, …). */
  detail: string;
}

export interface Pbx {
  /** Driver name for logs and metrics (`simulator`, `asterisk-ari`, `freeswitch-esl`). */
  readonly kind: string;
  /**
   * Calls `req.to` and resolves when the callee answered (`{ok: true, call}`) or when the
   * attempt failed (`{ok: false, end}` with busy / no-answer / …). The deadline covers the
   * whole dialling phase; when it or the signal fires, the attempt is torn down and resolves
   * `canceled` (signal) or `failed` (deadline).
   */
  originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult>;
  /** Sends a text message (SIP MESSAGE or the PBX's SMS facility). Never rejects. */
  sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult>;
  /** Current connection state; cheap, synchronous. */
  health(): PbxHealth;
  /** Connects (drivers) or starts (simulator). Resolves when ready or rejects with a clear error. */
  start(): Promise<void>;
  /** Hangs up calls in flight and releases connections. */
  stop(): Promise<void>;
  /** Calls to the engine's numbers (missed-call verification) go to `listener`; drivers without inbound support omit it. */
  onInbound?(listener: (call: InboundCall) => void): void;
}

/** The legacy reason code that goes with a dial outcome (seed 002's table). */
export function legacyReasonFor(outcome: DialOutcome): LegacyReason | null {
  switch (outcome) {
    case 'answered':
      return null;
    case 'busy':
      return 5;
    case 'no-answer':
      return 3;
    case 'congestion':
      return 8;
    case 'rejected':
    case 'canceled':
      return 1;
    case 'unreachable':
    case 'failed':
      return 0;
  }
}

/** Builds a {@link CallEnd}; `reason` follows from the outcome. */
export function callEnd(
  outcome: DialOutcome,
  by: CallEnd['by'],
  cause: CallCause,
  at: number,
): CallEnd {
  return { outcome, by, cause, reason: legacyReasonFor(outcome), at };
}

/**
 * The tag of one attempt of a verification, `<verificationId>-<attempt n>`: drivers log it, and
 * the simulator scopes what it shows (QA views, simulated screens) to the verification by it.
 */
export function attemptTag(verificationId: string, n: number): string {
  return `${verificationId}-${n}`;
}

/** The verification id of an {@link attemptTag}; undefined for other tags (QA calls of the CLI). */
export function verificationIdOfTag(tag: string): string | undefined {
  return /^([0-9a-f]{32})-[0-9]+$/.exec(tag)?.[1];
}
