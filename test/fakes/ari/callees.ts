/**
 * The fake's test callees: the recordings' `qa` extensions, reachable by name
 * (`Local/busy@qa`) or by the E.164 test numbers the project's dialplan gives them
 * (dialplan/asterisk/extensions.conf). Unknown extensions behave like
 * test/fixtures/ari/cases/nonexistent-exten.json.
 */
export type Callee =
  | { kind: 'answer'; ringMs: number; digits?: { afterMs: number; spacingMs: number; keys: string }; hangupAfterMs: number; amd?: AmdCallee }
  | { kind: 'fail'; status: 'BUSY' | 'CONGESTION' | 'NOANSWER'; cause: number; causeTxt: string; sip: number }
  | { kind: 'noanswer' }
  | { kind: 'nonexistent' };

/**
 * What AMD() in [pbxverify-amd] concludes on a callee, and when (after the continue), from
 * test/fixtures/ari/amd/*.json. `beepMs`: when WaitForSilence returns after the greeting
 * and its beep (wait_for_beep on a machine). A callee without it says nothing: AMD() calls 2.5 s
 * of initial silence a machine (amd.conf initial_silence), as the real one does.
 */
export interface AmdCallee {
  status: 'MACHINE' | 'HUMAN' | 'NOTSURE';
  cause: string;
  decideMs: number;
  beepMs?: number;
}

export const SILENT_AMD: AmdCallee = { status: 'MACHINE', cause: 'INITIALSILENCE-2500-2500', decideMs: 2500, beepMs: 3500 };

const CAUSE_TXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  34: 'Circuit/channel congestion',
};

export const causeText = (cause: number): string => CAUSE_TXT[cause] ?? 'Unknown';

/** Timings from the recordings (answer-and-press: 1 s, then 1234# ~350 ms apart, hang-up 5 s later). */
export const CALLEES: Readonly<Record<string, Callee>> = {
  'answer-and-press': { kind: 'answer', ringMs: 0, digits: { afterMs: 1200, spacingMs: 350, keys: '1234#' }, hangupAfterMs: 7900 },
  'answer-and-press-late': { kind: 'answer', ringMs: 0, digits: { afterMs: 4200, spacingMs: 350, keys: '1234#' }, hangupAfterMs: 10900 },
  'answer-silent': { kind: 'answer', ringMs: 0, hangupAfterMs: 60_000 },
  'answer-and-hangup': { kind: 'answer', ringMs: 0, hangupAfterMs: 2000 },
  // not a recording: the bench's callee (presses at once, never hangs up by itself)
  'bench-press': { kind: 'answer', ringMs: 0, digits: { afterMs: 20, spacingMs: 2, keys: '1234#' }, hangupAfterMs: 600_000 },
  // amd-machine-*.json: MACHINE (MAXWORDS-3-2) 2.1 s after the continue; WaitForSilence back 11.4 s after it
  'amd-machine': { kind: 'answer', ringMs: 0, hangupAfterMs: 40_000, amd: { status: 'MACHINE', cause: 'MAXWORDS-3-2', decideMs: 2100, beepMs: 11_450 } },
  // amd-human-*.json: over a Local channel the callee's Wait() sends no frames, so AMD() never
  // measures the silence after the word and gives up at its total analysis time
  'amd-human': { kind: 'answer', ringMs: 0, hangupAfterMs: 30_000, amd: { status: 'NOTSURE', cause: 'TOOLONG-4900', decideMs: 5100 } },
  busy: { kind: 'fail', status: 'BUSY', cause: 17, causeTxt: CAUSE_TXT[17] as string, sip: 486 },
  congestion: { kind: 'fail', status: 'CONGESTION', cause: 34, causeTxt: CAUSE_TXT[34] as string, sip: 503 },
  noanswer: { kind: 'noanswer' },
  'hangup-immediately': { kind: 'fail', status: 'NOANSWER', cause: 16, causeTxt: CAUSE_TXT[16] as string, sip: 487 },
  reject: { kind: 'fail', status: 'NOANSWER', cause: 21, causeTxt: CAUSE_TXT[21] as string, sip: 603 },
  unallocated: { kind: 'fail', status: 'NOANSWER', cause: 1, causeTxt: CAUSE_TXT[1] as string, sip: 404 },
};

/** The E.164 extensions of dialplan/asterisk/extensions.conf's `qa` context. */
export const QA_NUMBERS: Readonly<Record<string, string>> = {
  '+12025550100': 'answer-and-press',
  '+12025550102': 'answer-silent',
  '+12025550103': 'busy',
  '+12025550104': 'noanswer',
  '+12025550105': 'reject',
  '+12025550106': 'unallocated',
  '+12025550107': 'congestion',
  '+12025550108': 'answer-and-hangup',
  '+12025550111': 'answer-and-press-late',
  '+12025550112': 'hangup-immediately',
  '+12025550120': 'amd-machine',
  '+12025550121': 'amd-human',
};

export function calleeFor(exten: string): { name: string; callee: Callee } {
  const name = QA_NUMBERS[exten] ?? exten;
  return { name, callee: CALLEES[name] ?? { kind: 'nonexistent' } };
}
