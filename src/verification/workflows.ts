import type { WorkflowStep } from './model';

/**
 * Named workflows. Each step runs `waitSeconds` after the previous one started, unless the
 * verification ended first; `code: same` says the current code again and extends its validity,
 * `code: new` replaces it.
 */
export const PRESET_WORKFLOWS: Readonly<Record<string, readonly WorkflowStep[]>> = {
  call: [{ channel: 'call', waitSeconds: 0, code: 'new' }],
  reverse: [{ channel: 'reverse', waitSeconds: 0, code: 'new' }],
  sms: [{ channel: 'sms', waitSeconds: 0, code: 'new' }],
  flash_call: [{ channel: 'flash_call', waitSeconds: 0, code: 'new' }],
  missed_call: [{ channel: 'missed_call', waitSeconds: 0, code: 'new' }],
  /** A flash call; if the app could not read it in 60 s, an SMS with a new code. */
  'flash-sms': [
    { channel: 'flash_call', waitSeconds: 0, code: 'new', validitySeconds: 120 },
    { channel: 'sms', waitSeconds: 60, code: 'new', validitySeconds: 300 },
  ],
  /**
   * Seed 003 (iDenfy): SMS; if not confirmed in 2 min a call with the same code, valid 3 more
   * minutes; then a call with a new code valid 5 minutes.
   */
  'sms-call-call': [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 120 },
    { channel: 'call', waitSeconds: 120, code: 'same', validitySeconds: 180 },
    { channel: 'call', waitSeconds: 180, code: 'new', validitySeconds: 300 },
  ],
  /** Vonage's default workflow 1: SMS, TTS after 125 s, TTS after 180 s more, then 300 s to answer. */
  'sms-tts-tts': [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 125 },
    { channel: 'call', waitSeconds: 125, code: 'same', validitySeconds: 180 },
    { channel: 'call', waitSeconds: 180, code: 'same', validitySeconds: 300 },
  ],
  /** Vonage workflow 2: SMS, SMS after 125 s, TTS after 180 s more. */
  'sms-sms-tts': [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 125 },
    { channel: 'sms', waitSeconds: 125, code: 'same', validitySeconds: 180 },
    { channel: 'call', waitSeconds: 180, code: 'same', validitySeconds: 300 },
  ],
  /** Vonage workflow 3: TTS, TTS after 300 s. */
  'tts-tts': [
    { channel: 'call', waitSeconds: 0, code: 'new', validitySeconds: 300 },
    { channel: 'call', waitSeconds: 300, code: 'same', validitySeconds: 300 },
  ],
  /** Vonage workflow 4: SMS, SMS after 300 s. */
  'sms-sms': [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 300 },
    { channel: 'sms', waitSeconds: 300, code: 'same', validitySeconds: 300 },
  ],
  /** Vonage workflow 5: SMS, TTS after 300 s. */
  'sms-tts': [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 300 },
    { channel: 'call', waitSeconds: 300, code: 'same', validitySeconds: 300 },
  ],
};

/** When each step starts and when its code stops working, relative to `start`. */
export interface StepPlan {
  at: number;
  codeExpiresAt: number;
}

/**
 * Plans steps `from` onwards: the first planned step starts at `start + waitSeconds` (or at
 * `start` when `immediate`, as `next` does), later ones after their own waits.
 */
export function planSteps(
  steps: readonly WorkflowStep[],
  from: number,
  start: number,
  defaultValiditySeconds: number,
  immediate = false,
): StepPlan[] {
  const plans: StepPlan[] = [];
  let t = start;
  for (let i = from; i < steps.length; i++) {
    const step = steps[i] as WorkflowStep;
    t += i === from && immediate ? 0 : step.waitSeconds * 1000;
    plans.push({ at: t, codeExpiresAt: t + (step.validitySeconds ?? defaultValiditySeconds) * 1000 });
  }
  return plans;
}

/** The verification's expiry: the last planned code expiry, never before `floor`. */
export function finalExpiry(plans: readonly StepPlan[], floor: number): number {
  return plans.reduce((max, p) => Math.max(max, p.codeExpiresAt), floor);
}

/** Does any step after the first issue a new code? (A caller-supplied code cannot be replaced.) */
export function issuesNewCodesLater(steps: readonly WorkflowStep[]): boolean {
  return steps.slice(1).some((s) => s.code === 'new');
}
