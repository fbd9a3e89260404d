import type { AmdRequest, AmdVerdict, CallCause, DialOutcome } from '../port';

/**
 * What a simulated callee does. The simulator's callees react to what they hear, like a person:
 * they press the digit a gate prompt asks for, and type the code "shown on their screen" when
 * asked to enter it (reverse verification).
 */
export interface CalleeBehaviour {
  /** How the dial ends. */
  dial: 'answer' | Exclude<DialOutcome, 'answered' | 'canceled' | 'failed'>;
  /** Ring time before answering (or before busy/rejected/… is signalled). */
  ringMs: number;
  /** What the callee does once answered. */
  listener: 'human' | 'wrong-code' | 'silent' | 'hangup-during-prompt' | 'gate-wrong';
  /** False when the phone answers before any ringing is reported (auto-answer): a flash call then gets `answered`. */
  rings?: boolean;
  /** Missed-call verification: the user calls the number shown on the screen, from this number. */
  callsIn?: boolean;
  /** An answering machine's greeting (ms of speech, then a beep); absent: a person saying a short "hello". */
  machine?: { greetingMs: number; beep: boolean };
  description: string;
}

export const BEHAVIOURS: Readonly<Record<string, CalleeBehaviour>> = {
  human: {
    dial: 'answer',
    ringMs: 2000,
    listener: 'human',
    description: 'answers, listens, presses the digit a gate asks for, types the code on screen (reverse)',
  },
  'wrong-code': { dial: 'answer', ringMs: 2000, listener: 'wrong-code', description: 'answers and types a wrong code (reverse)' },
  silent: { dial: 'answer', ringMs: 2000, listener: 'silent', description: 'answers and never presses a key (voicemail-like)' },
  busy: { dial: 'busy', ringMs: 500, listener: 'silent', description: 'busy (486 / cause 17)' },
  'no-answer': { dial: 'no-answer', ringMs: 0, listener: 'silent', description: 'rings until the ring timeout' },
  rejected: { dial: 'rejected', ringMs: 1500, listener: 'silent', description: 'declines the call (603 / cause 21)' },
  unreachable: { dial: 'unreachable', ringMs: 300, listener: 'silent', description: 'number does not exist (404 / cause 1)' },
  congestion: { dial: 'congestion', ringMs: 300, listener: 'silent', description: 'network congestion (503 / cause 34)' },
  'hangup-during-prompt': {
    dial: 'answer',
    ringMs: 2000,
    listener: 'hangup-during-prompt',
    description: 'answers and hangs up 1.2 s into the first prompt',
  },
  'gate-wrong': { dial: 'answer', ringMs: 2000, listener: 'gate-wrong', description: 'answers and presses the wrong digit at the gate' },
  'slow-answer': { dial: 'answer', ringMs: 20000, listener: 'human', description: 'rings 20 s, then behaves like human' },
  'rings-then-drops': {
    dial: 'no-answer',
    ringMs: 0,
    listener: 'silent',
    description: 'rings and never answers: a flash call hangs up on the ringing event (outcome rang)',
  },
  'answers-flash': {
    dial: 'answer',
    ringMs: 0,
    listener: 'silent',
    rings: false,
    description: 'answers at once, before any ringing is reported: a flash call hangs up and records answered',
  },
  'calls-in': {
    dial: 'no-answer',
    ringMs: 0,
    listener: 'silent',
    callsIn: true,
    description: 'missed call: calls the number shown on the screen from its own number (verified, call rejected)',
  },
  machine: {
    dial: 'answer',
    ringMs: 2000,
    listener: 'silent',
    machine: { greetingMs: 7000, beep: true },
    description: 'an answering machine: a 7 s greeting, then a beep; answering-machine detection finds a machine',
  },
};

/**
 * The QA test numbers (NANP 202-555-01xx: fictional, yet valid to libphonenumber).
 * Any number not listed behaves as `human`. Configurable with `simulator.numbers`.
 */
export const DEFAULT_TEST_NUMBERS: Readonly<Record<string, string>> = {
  '+12025550100': 'human',
  '+12025550101': 'wrong-code',
  '+12025550102': 'silent',
  '+12025550103': 'busy',
  '+12025550104': 'no-answer',
  '+12025550105': 'rejected',
  '+12025550106': 'unreachable',
  '+12025550107': 'congestion',
  '+12025550108': 'hangup-during-prompt',
  '+12025550109': 'gate-wrong',
  '+12025550110': 'slow-answer',
  '+12025550111': 'rings-then-drops',
  '+12025550125': 'answers-flash',
  '+12025550193': 'calls-in',
  '+12025550120': 'machine',
  '+12025550121': 'human',
};

/**
 * The simulator's answering-machine detector, with Asterisk AMD()'s default thresholds (amd.conf:
 * greeting 1500 ms, after-greeting silence 800 ms): a person's short "hello" is a human once the
 * silence after it lasts 800 ms; a greeting still going at 1500 ms is a machine. `wait_for_beep`
 * then waits for the machine's beep. Returns the verdict and how long after the answer it comes.
 */
export function simulatedAmd(behaviour: CalleeBehaviour, mode: AmdRequest): { verdict: AmdVerdict; afterMs: number } {
  const HELLO_MS = 700;
  const GREETING_MS = 1500;
  const SILENCE_MS = 800;
  const machine = behaviour.machine;
  if (!machine) return { verdict: { result: 'human', cause: `HUMAN-${SILENCE_MS}-${SILENCE_MS}`, ms: HELLO_MS + SILENCE_MS }, afterMs: HELLO_MS + SILENCE_MS };
  const cause = `LONGGREETING-${GREETING_MS}-${GREETING_MS}`;
  if (mode === 'hangup') return { verdict: { result: 'machine', cause, ms: GREETING_MS }, afterMs: GREETING_MS };
  const beepAt = machine.greetingMs + 250;
  return { verdict: { result: 'machine', cause, beep: machine.beep, ms: beepAt }, afterMs: beepAt };
}

/** The raw causes a real PBX would report for each failure (see the recordings in test/fixtures). */
export const FAILURE_CAUSES: Readonly<Record<CalleeBehaviour['dial'], CallCause>> = {
  answer: { q850: 16, text: 'NORMAL_CLEARING' },
  busy: { q850: 17, sip: 486, text: 'USER_BUSY' },
  'no-answer': { q850: 19, sip: 480, text: 'NO_ANSWER' },
  rejected: { q850: 21, sip: 603, text: 'CALL_REJECTED' },
  unreachable: { q850: 1, sip: 404, text: 'UNALLOCATED_NUMBER' },
  congestion: { q850: 34, sip: 503, text: 'NORMAL_CIRCUIT_CONGESTION' },
};
