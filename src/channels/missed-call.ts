import type { AttemptReport } from './types';

/**
 * Missed-call step: nothing is dialled. The step waits for the user to call the number shown
 * (src/inbound/ matches the call and approves the verification, completing this attempt), until
 * the verification ends or a later step takes over; it then reports `aborted`.
 */
export function waitForCall(signal: AbortSignal): Promise<AttemptReport> {
  return new Promise((resolve) => {
    const done = (): void => resolve({ result: 'aborted', detail: `no call from the number (${String((signal.reason as Error | undefined)?.message ?? 'ended')})` });
    if (signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
  });
}
