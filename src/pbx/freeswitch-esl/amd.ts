import type { Logger } from 'pino';
import type { AmdRequest, AmdVerdict } from '../port';
import type { ExecOutcome } from './app-run';
import type { EslEvent } from './esl-link';

/**
 * The greeting-length rule on FreeSWITCH, with Asterisk AMD()'s stock thresholds (amd.conf):
 * `wait_for_silence` returns after 800 ms of silence following speech (or at its 5 s cap), and
 * reports how many 20 ms frames were louder than the threshold. More than 1500 ms of speech, or
 * speech still going at the cap, is a machine; a short word then silence is a person; nothing
 * heard at all is `notsure` (the code is spoken). Arguments: threshold, silence frames, frames of
 * speech before silence counts, cap in ms.
 */
export const GREETING_ARGS = { threshold: 200, silenceFrames: 40, listenFrames: 5, capMs: 5000 } as const;
const FRAME_MS = 20;
const GREETING_MS = 1500;
/** After a machine's greeting: 1.5 s of silence means the greeting and its beep are over (20 s cap). */
export const BEEP_ARGS = { threshold: 200, silenceFrames: 75, listenFrames: 0, capMs: 20_000 } as const;

/** What amd.ts needs of a FreeSWITCH call: one application run to its end, and the end itself. */
export interface AmdTarget {
  runApp(app: string, arg: string, opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<ExecOutcome>;
}

function args(a: { threshold: number; silenceFrames: number; listenFrames: number; capMs: number }): string {
  return `${a.threshold} ${a.silenceFrames} ${a.listenFrames} ${a.capMs}`;
}

/** The verdict from wait_for_silence's channel variables on its CHANNEL_EXECUTE_COMPLETE. */
export function classifyGreeting(event: EslEvent): Pick<AmdVerdict, 'result' | 'cause'> {
  const timedOut = event.variable_wait_for_silence_timeout === 'true';
  const speechMs = Number(event.variable_wait_for_silence_listenhits ?? '0') * FRAME_MS;
  if (speechMs < GREETING_ARGS.listenFrames * FRAME_MS) return { result: 'notsure', cause: `silence-${speechMs}ms` };
  if (timedOut) return { result: 'machine', cause: `greeting-over-${GREETING_ARGS.capMs}ms` };
  if (speechMs > GREETING_MS) return { result: 'machine', cause: `greeting-${speechMs}ms` };
  return { result: 'human', cause: `greeting-${speechMs}ms` };
}

/**
 * Answering-machine detection on an answered, parked FreeSWITCH channel, ESL-driven:
 * `avmd_start` (mod_avmd) listens for the beep from the answer on (wait_for_beep), then
 * `wait_for_silence` measures the greeting ({@link classifyGreeting}); on a machine with
 * `wait_for_beep` a second `wait_for_silence` waits until the greeting and its beep are over, and
 * `variable_avmd_detect` says whether mod_avmd heard the beep. Recorded in
 * test/fixtures/esl/amd/*.json. `lost` when the deadline or the signal stopped it.
 */
export async function detectOnEsl(call: AmdTarget, mode: AmdRequest, deps: { now: () => number; logger: Logger }, signal?: AbortSignal): Promise<AmdVerdict | 'lost'> {
  const started = deps.now();
  const run = (app: string, arg: string, capMs: number): Promise<ExecOutcome> => call.runApp(app, arg, { timeoutMs: capMs + 3000, signal });
  if (mode === 'wait_for_beep') {
    const avmd = await run('avmd_start', '', 2000);
    if (avmd.kind === 'ended') return { result: 'notsure', cause: 'HANGUP', ms: deps.now() - started };
    if (avmd.kind !== 'complete') return 'lost';
  }
  const greeting = await run('wait_for_silence', args(GREETING_ARGS), GREETING_ARGS.capMs);
  if (greeting.kind === 'ended') return { result: 'notsure', cause: 'HANGUP', ms: deps.now() - started };
  if (greeting.kind !== 'complete') return 'lost';
  const verdict: AmdVerdict = { ...classifyGreeting(greeting.event), ms: deps.now() - started };
  if (mode !== 'wait_for_beep') return verdict;
  if (verdict.result === 'machine') {
    const tail = await run('wait_for_silence', args(BEEP_ARGS), BEEP_ARGS.capMs);
    if (tail.kind === 'ended') return { ...verdict, beep: false, ms: deps.now() - started };
    if (tail.kind !== 'complete') return 'lost';
    verdict.beep = (tail.event.variable_avmd_detect ?? '').toUpperCase() === 'TRUE';
    verdict.ms = deps.now() - started;
  }
  const stop = await run('avmd_stop', '', 2000);
  if (stop.kind !== 'complete' && stop.kind !== 'ended') deps.logger.debug({ kind: stop.kind }, 'avmd_stop did not complete');
  return verdict;
}
