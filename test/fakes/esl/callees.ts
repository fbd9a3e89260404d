/**
 * The `qa` test callees of the recordings (test/fixtures/RECORDINGS.md), as the fake FreeSWITCH
 * plays them. dialplan/freeswitch/qa/dialplan/pbxverify-qa.xml defines the same extensions for a
 * real FreeSWITCH, under their names and under the simulator's E.164 test numbers; a unit test
 * keeps the two lists in step.
 */

import type { HeardVoice } from './wait-for-silence';

export type CalleeStep =
  | { wait: number }
  /** Digits sent as soon as we start collecting (play_and_get_digits), like a person prompted to type. */
  | { dtmfOnCollect: string }
  /** Digits sent to us, `spacing` ms apart (0: one burst, as `send_dtmf 1234#` on loopback). */
  | { dtmf: string; spacing: number }
  | { hangup: string };

export interface Callee {
  /** How the dial ends: `answer`, `ring-forever`, or the hang-up cause FreeSWITCH reports (`-ERR <cause>`). */
  dial: string;
  /** Ring time before answering or failing. */
  ringMs: number;
  /** What the callee does once answered. */
  script: CalleeStep[];
  /** What the callee says once answered (answering-machine detection; silence when absent). */
  voice?: HeardVoice;
}

const answerThen = (script: CalleeStep[], ringMs = 0): Callee => ({ dial: 'answer', ringMs, script });
const fail = (cause: string, ringMs = 0): Callee => ({ dial: cause, ringMs, script: [] });

const CALLEES: Readonly<Record<string, Callee>> = {
  // answer, sleep 1000, send_dtmf 1234#, sleep 5000, hangup
  'answer-and-press': answerThen([{ wait: 1000 }, { dtmf: '1234#', spacing: 0 }, { wait: 5000 }, { hangup: 'NORMAL_CLEARING' }]),
  'answer-silent': answerThen([{ wait: 60_000 }, { hangup: 'NORMAL_CLEARING' }]),
  'answer-then-hangup': answerThen([{ wait: 500 }, { hangup: 'NORMAL_CLEARING' }]),
  busy: fail('USER_BUSY'),
  noanswer: { dial: 'ring-forever', ringMs: 0, script: [] },
  'hangup-immediately': fail('NORMAL_CLEARING'),
  reject: fail('CALL_REJECTED'),
  unallocated: fail('UNALLOCATED_NUMBER'),
  nosuchnumber: fail('UNALLOCATED_NUMBER'),
  congestion: fail('NORMAL_CIRCUIT_CONGESTION'),
};

/** The simulator's test numbers (src/pbx/simulator/behaviours.ts) that a dialplan can play. */
export const E164_CALLEES: Readonly<Record<string, string>> = {
  '+12025550100': 'answer-silent', // human: answers and listens
  '+12025550102': 'answer-silent',
  '+12025550103': 'busy',
  '+12025550104': 'noanswer',
  '+12025550105': 'reject',
  '+12025550106': 'unallocated',
  '+12025550107': 'congestion',
  '+12025550108': 'hangup-during-prompt',
  '+12025550110': 'slow-answer',
  '+12025550163': 'answer-and-press',
  '+12025550164': 'press-700-1234#',
};

const E164_ONLY: Readonly<Record<string, Callee>> = {
  // The simulator's hangup-during-prompt: 1.2 s into the first prompt.
  'hangup-during-prompt': answerThen([{ wait: 1200 }, { hangup: 'NORMAL_CLEARING' }]),
  'slow-answer': answerThen([{ wait: 60_000 }, { hangup: 'NORMAL_CLEARING' }], 20_000),
};

/** Callees only the fake has (benchmarks); not in the dialplan. */
const FAKE_ONLY: Readonly<Record<string, Callee>> = {
  // answers, types 1234# the moment it is asked for digits, never hangs up
  '+12025550199': answerThen([{ dtmfOnCollect: '1234#' }]),
};

/**
 * Answering machine and person for answering-machine detection: the qa callees amd-machine and
 * amd-human of dialplan/freeswitch/qa (a ~9 s greeting then a beep; one short word), as
 * test/fixtures/esl/amd recorded them over SIP (a person: 460 ms of speech, back ~2.6 s after the
 * answer; the machine: still talking at 5 s, beep heard at 9.6 s). Not in E164_CALLEES: their dialplan plays audio, which the
 * dialplan consistency test does not model.
 */
const AMD_CALLEES: Readonly<Record<string, Callee>> = {
  'amd-machine': { dial: 'answer', ringMs: 0, script: [{ wait: 40_000 }, { hangup: 'NORMAL_CLEARING' }], voice: { startMs: 300, speechMs: 9000, beep: true } },
  'amd-human': { dial: 'answer', ringMs: 0, script: [{ wait: 30_000 }, { hangup: 'NORMAL_CLEARING' }], voice: { startMs: 700, speechMs: 460, beep: false } },
};
const AMD_NUMBERS: Readonly<Record<string, string>> = { '+12025550120': 'amd-machine', '+12025550121': 'amd-human' };

/** Resolves an extension (`busy`, `press-600-1234#`, `+12025550103`) to its callee. */
export function calleeFor(extension: string): Callee | undefined {
  const name = E164_CALLEES[extension] ?? AMD_NUMBERS[extension] ?? extension;
  const press = /^press-(\d+)-([0-9A-D*#]+)$/.exec(name.replace(/%23/g, '#'));
  if (press) {
    return answerThen([{ wait: 1000 }, { dtmf: press[2] as string, spacing: Number(press[1]) }, { wait: 5000 }, { hangup: 'NORMAL_CLEARING' }]);
  }
  return CALLEES[name] ?? E164_ONLY[name] ?? FAKE_ONLY[name] ?? AMD_CALLEES[name];
}

/** Every extension name the fake knows (for the dialplan consistency test). */
export const CALLEE_NAMES: readonly string[] = Object.keys(CALLEES);
