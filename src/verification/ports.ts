import type { ChannelName } from '../config/schema';
import type { Attempt, AttemptAmd, AttemptCdr, AttemptResult, DomainEvent, FlashReason } from './model';
import type { AmdRequest, CallCause, DialOutcome, LegacyReason, TrunkRefusal } from '../pbx/port';
import type { SmsDelivery } from '../sms/port';

/** What the engine asks a channel to do for one workflow step. */
export interface AttemptSpec {
  verificationId: string;
  attempt: Attempt;
  channel: ChannelName;
  to: string;
  lang: string;
  /** Plaintext code for voice and SMS; never logged. */
  code: string;
  /** Constant-time match of keyed digits (reverse). */
  matches: (digits: string) => boolean;
  callerId?: string | undefined;
  sender?: string | undefined;
  brand: string;
  template?: string | undefined;
  gateDigit?: string | undefined;
  /** Voice: silence before the first prompt, in ms (the engine default when undefined). */
  leadInMs?: number | undefined;
  /** Flash calls: the caller ID whose last digits are the code, and the hang-up cap; undefined when none was free. */
  flash?: { callerId: string; capMs: number } | undefined;
  /** Answering-machine detection for this call (the step's mode over the verification's); absent when off. */
  amd?: AmdRequest | undefined;
  /** SMS: the gateway accepted the message (recorded on the running attempt as `submitted`). */
  onSmsSubmitted?: ((delivery: SmsDelivery) => void) | undefined;
}

/** What a channel script reports back; becomes the attempt's outcome on the record. */
export interface AttemptReport {
  result: AttemptResult;
  outcome?: DialOutcome;
  cause?: CallCause;
  reason?: LegacyReason | null;
  matched?: boolean;
  /** Answering-machine detection's verdict on the call, with the mode it ran in. */
  amd?: AttemptAmd;
  detail?: string;
  sms?: SmsDelivery;
  /** Run the workflow's next step now instead of at its planned time (an SMS failure receipt). */
  advance?: boolean;
  /** Call detail for the history (times, node, trunk, final cause, SMS parts). */
  cdr?: AttemptCdr;
  /** Routed calls: the trunk the call ended on, the caller ID presented there, the trunks failed over. */
  trunk?: string;
  callerId?: string;
  failover?: TrunkRefusal[];
  /** Flash calls: how the call ended. */
  flash?: FlashReason;
  /** Calls: when the ringing event came (engine ms). */
  ringAt?: number;
}

/**
 * Flash-call caller IDs (src/routing/flash-caller-ids.ts): the pool or range serving a number,
 * with line claims in the store so that two pending flash calls to one number never present the
 * same caller ID.
 */
export interface FlashCallerIds {
  /** Hang-up cap when no ringing is reported. */
  readonly capMs: number;
  /** At start: the prefix an app matches. Throws AppError NO_ROUTE (nothing serves flash calls there), CODE_LENGTH_INVALID (the pool gives too few codes of that length). */
  plan(to: string, codeLength: number): { prefix: string };
  /** At a flash step: a free caller ID and its code, claimed for `owner` for `ttlMs`; undefined when every one is taken. */
  allocate(to: string, codeLength: number, owner: string, ttlMs: number): Promise<{ callerId: string; code: string } | undefined>;
  release(to: string, callerId: string, owner: string): Promise<void>;
}

/** Missed-call DIDs (src/inbound/): one is claimed per pending verification and user number. */
export interface MissedCallNumbers {
  /** Claims a DID for the user number `to` (by its country). Throws AppError NO_ROUTE, MISSED_CALL_POOL_EXHAUSTED. */
  claim(to: string, country: string | undefined, owner: string, ttlMs: number): Promise<string>;
  release(callTo: string, to: string, owner: string): Promise<void>;
}

/**
 * Routing as the domain sees it (src/routing/router.ts): checked when a verification starts,
 * before anything is stored or dialled.
 */
export interface CallRouting {
  /** Explicit routing (`trunks:`): caller IDs come from the trunks' pools, not from key defaults. */
  readonly explicit: boolean;
  /** Throws AppError NO_ROUTE (no route serves `to` on a channel), CALLER_ID_NOT_IN_POOL. */
  admit(to: string, channels: readonly ('call' | 'reverse' | 'sms' | 'flash_call')[], callerId: string | undefined): void;
}

/**
 * The `maxCost` policy (src/history/max-cost.ts): judged when a verification starts, before
 * anything is stored or dialled, from the rate decks the engine holds in memory (never a database
 * read on the request path).
 */
export interface CostLimit {
  /** Throws AppError COST_LIMIT_EXCEEDED when an attempt of a step would cost more than the key's or the route's `maxCost`. */
  admit(input: { keyMaxCost: number | undefined; to: string; channels: ReadonlySet<'call' | 'reverse' | 'sms'>; smsParts: number | undefined; at: number }): void;
}

/** The fraud guard's block list (src/fraud/guard.ts), read in memory at start. */
export interface DestinationGuard {
  /** Throws AppError DESTINATION_BLOCKED when the number's prefix is blocked now. */
  check(to: string): void;
}

/** Runs channel scripts (src/channels/runner.ts). Resolves with a report; never rejects. */
export interface ChannelRunner {
  run(spec: AttemptSpec, signal: AbortSignal): Promise<AttemptReport>;
}

/** Receives domain events (webhooks, metrics). Awaited: a webhook is in the outbox before the API answers. */
export interface EventSink {
  publish(event: DomainEvent): Promise<void>;
}

/** Checks callback URLs against the operator's network policy (src/webhooks/url-guard.ts). */
export interface UrlGuard {
  /** Throws AppError CALLBACK_URL_INVALID / CALLBACK_URL_FORBIDDEN. */
  check(url: string): Promise<void>;
}

/** Wakes the scheduler so a job due now runs without waiting for the next poll. */
export interface SchedulerKick {
  kick(): void;
}

/** An attempt this instance runs, as other instances see it. */
export interface HeldAttempt {
  verificationId: string;
  /** Attempt number (1-based). */
  n: number;
}

/**
 * The other engine instances sharing the store (scale-out). An attempt runs on the instance
 * that claimed its step job; this port lets another instance stop it (cancel, approve, next step)
 * and lets the survivors finish the attempts of an instance that died. With a single engine
 * there is no implementation: the service then handles everything in process.
 */
export interface EnginePeers {
  /**
   * Starts announcing this instance as alive and listening for abort requests addressed to it.
   * `onAbort` is called with the attempt that must stop.
   */
  start(onAbort: (attempt: HeldAttempt, reason: string) => void): Promise<void>;
  /** Stops announcing and listening. Attempts still held are left for the survivors. */
  stop(): Promise<void>;
  /**
   * Asks `instance` to stop an attempt it runs (hang up its call). Best effort, at most once:
   * the running instance also re-checks the store periodically. Never rejects.
   */
  requestAbort(instance: string, attempt: HeldAttempt, reason: string): Promise<void>;
  /** Records that this instance runs this attempt, until {@link release}. */
  hold(attempt: HeldAttempt): Promise<void>;
  release(attempt: HeldAttempt): Promise<void>;
  /**
   * Attempts held by instances that stopped announcing themselves. Each is handed to one
   * caller only and becomes held by it (so it is not lost if the caller dies too); the caller
   * records the attempt's end, then releases it.
   */
  claimOrphans(limit: number): Promise<Array<HeldAttempt & { instance: string }>>;
}
