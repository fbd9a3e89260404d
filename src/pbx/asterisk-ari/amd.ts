import type { Logger } from 'pino';
import type { AmdRequest, AmdVerdict } from '../port';
import type { AriCall } from './ari-call';
import type { AriRest } from './ari-rest';
import { deadline } from './deadline';

/** The dialplan context of dialplan/asterisk/extensions.conf that runs AMD(); its extensions are the modes. */
export const AMD_CONTEXT = 'pbxverify-amd';
/** The channel variable naming the Stasis app the context hands the channel back to. */
export const AMD_APP_VARIABLE = 'PBXVERIFY_AMD_APP';

/**
 * How long detection may take before it is given up: AMD() decides within its total analysis
 * time (amd.conf: 5 s); `wait_for_beep` adds WaitForSilence's 20 s cap on a machine.
 */
const LIMIT_MS: Record<AmdRequest, number> = { hangup: 10_000, wait_for_beep: 30_000 };

export interface AriAmdDeps {
  rest: AriRest;
  app: string;
  restTimeoutMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * Answering-machine detection on an answered channel, ARI-driven: the channel is moved out of
 * Stasis into [pbxverify-amd] (POST continue, extension = the mode), AMD() runs in the dialplan,
 * Stasis() hands it back (StasisStart with argument `amd`), and AMDSTATUS / AMDCAUSE (and, for
 * `wait_for_beep`, PBXVERIFY_BEEP) are read as channel variables. Recorded in
 * test/fixtures/ari/cases/amd-*.json. Resolves with the verdict, or `lost` when the channel did
 * not come back within the limit or the signal fired (the caller hangs it up). Never throws.
 */
export async function detectOnAri(call: AriCall, mode: AmdRequest, deps: AriAmdDeps, signal?: AbortSignal): Promise<AmdVerdict | 'lost'> {
  const started = deps.now();
  const limit = deadline(LIMIT_MS[mode], signal);
  const rest = { timeoutMs: deps.restTimeoutMs };
  const back = new Promise<'back'>((resolve) => {
    call.onReentry = (args) => {
      if (args[0] === 'amd') resolve('back');
    };
  });
  const stopped = new Promise<'stopped'>((resolve) => limit.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
  try {
    await deps.rest.setVariable(call.id, AMD_APP_VARIABLE, deps.app, rest);
    await deps.rest.continueInDialplan(call.id, { context: AMD_CONTEXT, extension: mode, priority: 1 }, rest);
  } catch (err) {
    // still in Stasis: the call goes on without a verdict (treated as a person)
    limit.done();
    call.onReentry = undefined;
    deps.logger.warn({ err: (err as Error).message }, 'answering-machine detection could not start');
    return { result: 'notsure', cause: 'amd-not-started', ms: deps.now() - started };
  }
  const first = await Promise.race([back, stopped, call.ended.then(() => 'ended' as const)]);
  limit.done();
  call.onReentry = undefined;
  if (first === 'ended') return { result: 'notsure', cause: 'HANGUP', ms: deps.now() - started };
  if (first === 'stopped') return 'lost';
  const read = async (name: string): Promise<string | undefined> => {
    try {
      return (await deps.rest.getVariable(call.id, name, rest)).value;
    } catch {
      return undefined; // 404: not set
    }
  };
  const [status, cause, beep] = await Promise.all([read('AMDSTATUS'), read('AMDCAUSE'), mode === 'wait_for_beep' ? read('PBXVERIFY_BEEP') : Promise.resolve(undefined)]);
  const result = status === 'MACHINE' ? 'machine' : status === 'HUMAN' ? 'human' : 'notsure';
  const verdict: AmdVerdict = { result, ms: deps.now() - started };
  if (cause) verdict.cause = cause.slice(0, 64);
  else if (status) verdict.cause = status.slice(0, 64);
  if (mode === 'wait_for_beep' && result === 'machine') verdict.beep = beep === '1';
  return verdict;
}
