import type { Logger } from 'pino';
import type { CallEnd, Pbx } from '../pbx/port';
import type { AttemptResult } from '../verification/model';
import type { AttemptReport } from '../verification/ports';

export type { AttemptReport };

/** What every channel script needs; built by the attempt runner for one attempt. */
export interface ChannelContext {
  pbx: Pbx;
  logger: Logger;
  /** Fires when the verification ends (approved, canceled, expired) or the engine stops. */
  signal: AbortSignal;
}

/** Report for a call whose dial failed (busy, no answer, …) or was canceled. */
export function dialFailure(end: CallEnd): AttemptReport {
  return {
    result: end.outcome === 'canceled' ? 'aborted' : 'not-answered',
    outcome: end.outcome,
    cause: end.cause,
    reason: end.reason,
  };
}

/** Report fields for an answered call. */
export function answered(result: AttemptResult, extra: Partial<AttemptReport> = {}): AttemptReport {
  return { result, outcome: 'answered', reason: null, ...extra };
}
