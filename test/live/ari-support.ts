import { execFileSync, spawnSync } from 'node:child_process';
import pino from 'pino';
import type { AriPbx, AriSettings } from '../../src/pbx/asterisk-ari/ari-pbx';
import { makeDriver } from '../fakes/ari/harness';

/**
 * The live suite against a real Asterisk with dialplan/asterisk loaded. Its settings
 * (PBXVERIFY_LIVE_*) are listed, with their meaning, in test/live/live-settings.ts and
 * docs/live-tests.md.
 */
export const LIVE = process.env.PBXVERIFY_LIVE_PBX ?? '';
export const env = (name: string): string | undefined => (process.env[name] ? process.env[name] : undefined);

export function liveDriver(settings: Partial<AriSettings> = {}): AriPbx {
  const level = env('PBXVERIFY_LIVE_LOG') ?? 'silent';
  return makeDriver(
    LIVE,
    {
      endpointTemplate: env('PBXVERIFY_LIVE_TEMPLATE') ?? 'Local/{number}@qa',
      messageTemplate: env('PBXVERIFY_LIVE_MESSAGE_TEMPLATE'),
      restTimeoutMs: 5000,
      originateTimeoutMs: 10000,
      pingIntervalMs: 15000,
      lostCallsAfterMs: 20000,
      startTimeoutMs: 5000,
      ...settings,
    },
    pino({ level }),
  );
}

/** Pid of the last phone started (SIPp -bg prints "Background mode - PID=[n]"). */
let lastPhone: number | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a shell command that starts a background test phone (SIPp with -bg) and waits for it to
 * bind. Waits first (up to 10 s) for the previous phone to exit: one still finishing its call
 * holds the port, and the new one could not bind (seen: the next call rang unanswered).
 * A phone that does not start (sipp not on the PATH, a port in use…) fails the test with what it printed.
 */
export function startPhone(command: string): void {
  for (let i = 0; i < 100 && lastPhone !== undefined && alive(lastPhone); i++) execFileSync('bash', ['-c', 'sleep 0.1']);
  // SIPp in background mode (-bg) exits with status 99 by design: the PID it prints says it started
  const started = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
  const output = `${started.stdout ?? ''}${started.stderr ?? ''}`;
  const pid = /PID=\[(\d+)\]/.exec(output)?.[1];
  lastPhone = pid === undefined ? undefined : Number(pid);
  if (pid === undefined) {
    throw new Error(`the test phone did not start (exit status ${String(started.status)}): ${output.trim().split('\n').slice(-3).join(' | ') || 'no output'}\ncommand: ${command}`);
  }
  execFileSync('bash', ['-c', 'sleep 0.3']);
}
