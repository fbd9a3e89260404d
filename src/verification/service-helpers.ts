import { AppError } from '../lib/errors';
import type { VerificationRecord } from './model';
import type { AttemptSpec } from './ports';

// Small pure helpers of the service (service.ts), kept apart to hold it under 400 lines.

/** A record that vanished (expired from the store) is no longer anyone's business. */
export function unlessGone(err: unknown): undefined {
  if (err instanceof AppError && err.code === 'VERIFICATION_NOT_FOUND') return undefined;
  throw err;
}

/** The answering-machine mode of attempt `n`'s call: its step's own, else the verification's; undefined when off or not a call. */
export function amdFor(record: VerificationRecord, n: number): AttemptSpec['amd'] {
  const step = record.steps[n - 1];
  if (!step || (step.channel !== 'call' && step.channel !== 'reverse')) return undefined;
  const mode = step.amd ?? record.amd ?? 'off';
  return mode === 'off' ? undefined : mode;
}
