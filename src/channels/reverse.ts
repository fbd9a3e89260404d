import type { Call, PlayItem } from '../pbx/port';
import { answered, withCall, type AttemptReport, type CallJob, type ChannelContext } from './types';
import { stopped } from './voice';

export interface ReverseJob extends CallJob {
  maxTries: number;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  totalTimeoutMs: number;
  /** Constant-time check of keyed digits against the verification's code. */
  matches: (digits: string) => boolean;
}

/** Codes are at most 20 digits; the caller ends input with `#` or by pausing. */
const MAX_INPUT_DIGITS = 20;

/**
 * Reverse verification: call, ask for the code shown on the website, collect it as DTMF
 * (up to `maxTries` tries), confirm or reject by prompt, hang up. `matched` approves.
 */
export async function runReverse(job: ReverseJob, ctx: ChannelContext): Promise<AttemptReport> {
  const report = await withCall(job, ctx, (call, deadline) => collectCode(call, job, ctx, deadline));
  return report.matched === undefined ? { ...report, matched: false } : report;
}

async function collectCode(call: Call, job: ReverseJob, ctx: ChannelContext, deadline: AbortSignal): Promise<AttemptReport> {
  const say = (items: PlayItem[]) => call.play(items, { timeoutMs: 30_000, signal: deadline });
  let typedAnything = false;
  for (let attempt = 1; attempt <= job.maxTries; attempt++) {
    const input = await call.collectDigits({
      prompt: [{ prompt: 'enter-code' }],
      maxDigits: MAX_INPUT_DIGITS,
      terminator: '#',
      firstDigitTimeoutMs: job.firstDigitTimeoutMs,
      interDigitTimeoutMs: job.interDigitTimeoutMs,
      totalTimeoutMs: job.totalTimeoutMs,
      signal: deadline,
    });
    if (!input.ok) return { ...stopped(input), matched: false };
    if (input.digits === '') {
      ctx.logger.debug({ attempt }, 'no digits');
      if (attempt < job.maxTries) await say([{ prompt: 'no-input' }]);
      continue;
    }
    typedAnything = true;
    if (job.matches(input.digits)) {
      ctx.logger.debug({ attempt }, 'digits matched');
      await say([{ prompt: 'verified' }]);
      return answered('matched', { matched: true });
    }
    ctx.logger.debug({ attempt }, 'digits did not match');
    if (attempt < job.maxTries) await say([{ prompt: 'wrong-code' }]);
  }
  await say([{ prompt: 'too-many-attempts' }]);
  return answered(typedAnything ? 'mismatch' : 'no-input', { matched: false });
}
