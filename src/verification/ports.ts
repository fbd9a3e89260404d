import type { ChannelName } from '../config/schema';
import type { Attempt, AttemptResult, DomainEvent } from './model';
import type { CallCause, DialOutcome, LegacyReason } from '../pbx/port';

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
}

/** What a channel script reports back; becomes the attempt's outcome on the record. */
export interface AttemptReport {
  result: AttemptResult;
  outcome?: DialOutcome;
  cause?: CallCause;
  reason?: LegacyReason | null;
  matched?: boolean;
  detail?: string;
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
