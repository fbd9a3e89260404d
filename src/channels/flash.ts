import type { CallEnd } from '../pbx/port';
import type { AttemptCdr, FlashReason } from '../verification/model';
import { dialFailure, routeFields, type AttemptReport, type ChannelContext } from './types';

export interface FlashJob {
  to: string;
  /** The caller ID whose last digits are the code; undefined when the pool had none free for this number. */
  callerId: string | undefined;
  lang: string;
  trunk?: string | undefined;
  /** Hang up after this long when no ringing event came. */
  capMs: number;
  tag: string;
}

/**
 * Flash call: dial from the caller ID that carries the code and hang up as soon as the callee's
 * side rings (the number is then in the phone's call log), or after the cap. A callee who answers
 * anyway is hung up at once. Outcome per attempt: `rang`, `answered`, `busy`, `failed` (cause).
 */
export async function runFlash(job: FlashJob, ctx: ChannelContext): Promise<AttemptReport> {
  if (job.callerId === undefined) return { result: 'error', detail: 'no flash caller ID free for this number', flash: 'failed' };
  const now = ctx.now ?? Date.now;
  const ringing = new AbortController();
  let ringAt: number | undefined;
  const dialedAt = now();
  const dial = await ctx.pbx.originate(
    {
      to: job.to,
      callerId: job.callerId,
      lang: job.lang,
      channel: 'flash_call',
      ringTimeoutMs: job.capMs,
      tag: job.tag,
      ...(job.trunk ? { trunk: job.trunk } : {}),
      onRinging: () => {
        ringAt ??= now();
        ringing.abort(new Error('ringing'));
      },
    },
    { timeoutMs: job.capMs + 5_000, signal: AbortSignal.any([ctx.signal, ringing.signal]) },
  );
  const route = routeFields(dial.route);
  const cdr: AttemptCdr = { dialedAt, callerId: job.callerId, billsec: 0, ...(route.trunk ? { trunk: route.trunk } : {}), ...(ringAt !== undefined ? { ringingAt: ringAt } : {}) };
  if (dial.ok) {
    // answered before any ringing was reported (auto-answer, a network without 180): hang up at once
    const answeredAt = now();
    await dial.call.hangup();
    ctx.logger.info('flash call answered; hung up');
    return { result: 'delivered', outcome: 'answered', reason: null, flash: 'answered', ...route, ...ringField(ringAt), cdr: { ...cdr, answeredAt, endedAt: now(), ...(dial.call.node ? { node: dial.call.node } : {}) } };
  }
  const ended: AttemptCdr = { ...cdr, endedAt: now(), cause: dial.end.cause, ...(dial.end.node ? { node: dial.end.node } : {}) };
  if (ringAt !== undefined) {
    return { result: 'delivered', outcome: 'no-answer', reason: 3, cause: { text: 'flash call: hung up on ringing' }, flash: 'rang', ringAt, ...route, cdr: ended };
  }
  if (ctx.signal.aborted) return { ...dialFailure(dial.end), ...route, cdr: ended };
  return { ...dialFailure(dial.end), flash: flashReason(dial.end), ...route, cdr: ended };
}

function ringField(ringAt: number | undefined): { ringAt?: number } {
  return ringAt === undefined ? {} : { ringAt };
}

function flashReason(end: CallEnd): FlashReason {
  return end.outcome === 'busy' ? 'busy' : 'failed';
}
