import type { Call, CallStop, PlayItem } from '../pbx/port';
import { codeAnnouncement, gateQuestion, gateRefusal } from '../prompts/sequence';
import { answered, withCall, type AttemptReport, type CallJob, type ChannelContext } from './types';

export interface VoiceJob extends CallJob {
  code: string;
  /** Anti-voicemail gate: the digit the callee must press before hearing the code. */
  gateDigit?: string | undefined;
  /** Silence between answer and the first prompt, in ms; the default of prompts/sequence.ts when undefined. */
  leadInMs?: number | undefined;
}

/** How long a callee gets to press the gate digit after the gate prompt. */
export const GATE_TIMEOUT_MS = 6000;

/**
 * Voice verification: call, (optionally ask for the gate digit), say the code digit by digit
 * twice, say goodbye, hang up. `delivered` means the whole announcement was played.
 */
export function runVoice(job: VoiceJob, ctx: ChannelContext): Promise<AttemptReport> {
  // Without a gate the announcement is the first prompt: the driver may start it at answer.
  const greeting = job.gateDigit === undefined ? announcement(job) : undefined;
  return withCall(job, ctx, (call, deadline) => speak(call, job, ctx, deadline), greeting);
}

function announcement(job: VoiceJob): PlayItem[] {
  return codeAnnouncement(job.code, { after: job.gateDigit === undefined ? 'answer' : 'gate', leadInMs: job.leadInMs });
}

async function speak(call: Call, job: VoiceJob, ctx: ChannelContext, deadline: AbortSignal): Promise<AttemptReport> {
  if (job.gateDigit !== undefined) {
    const gate = await call.collectDigits({
      prompt: gateQuestion(job.gateDigit, job.leadInMs),
      maxDigits: 1,
      firstDigitTimeoutMs: GATE_TIMEOUT_MS,
      interDigitTimeoutMs: GATE_TIMEOUT_MS,
      totalTimeoutMs: GATE_TIMEOUT_MS + 30_000,
      signal: deadline,
    });
    if (!gate.ok) return stopped(gate);
    if (gate.digits !== job.gateDigit) {
      ctx.logger.info({ pressed: gate.digits === '' ? 'none' : 'wrong' }, 'gate failed');
      await call.play(gateRefusal(), { timeoutMs: 10_000, signal: deadline });
      return answered('gate-failed', { detail: gate.digits === '' ? 'no digit' : 'wrong digit' });
    }
  }
  const played = await call.play(announcement(job), { timeoutMs: job.maxCallMs, signal: deadline });
  if (!played.ok) return stopped(played);
  return answered('delivered');
}

/** An answered call that did not finish its script. */
export function stopped(stop: CallStop): AttemptReport {
  switch (stop.reason) {
    case 'ended':
      return answered('hung-up-during-prompt', { cause: stop.end.cause });
    case 'aborted':
      return answered('aborted');
    case 'timeout':
      return answered('error', { detail: 'call script deadline passed' });
  }
}
