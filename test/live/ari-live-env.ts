import { execFileSync, spawnSync } from 'node:child_process';
import pino from 'pino';
import type { AriPbx, AriSettings } from '../../src/pbx/asterisk-ari/ari-pbx';
import { makeDriver } from '../fakes/ari/harness';

/**
 * Opt-in live settings (npm run test:live):
 *   PBXVERIFY_LIVE_PBX=ari://user:pass@127.0.0.1:8088/pbxverify   a real Asterisk with dialplan/asterisk loaded
 *   PBXVERIFY_LIVE_TEMPLATE=Local/{number}@qa                      how the qa callees are dialled (default)
 *   PBXVERIFY_LIVE_SIP_TEMPLATE=PJSIP/{number}@uas                 a PJSIP endpoint reaching a SIP test phone
 *   PBXVERIFY_LIVE_SIP_PHONE="sipp … uas-dtmf.xml …"                command starting a phone that answers one call
 *                                                                  and sends RFC 2833 1234# (run before each call)
 *   PBXVERIFY_LIVE_MESSAGE_TEMPLATE=pjsip:uas/sip:{number}@127.0.0.1:5070   SIP MESSAGE destination
 *   PBXVERIFY_LIVE_MESSAGE_SINK="sipp … uas-message.xml …"          command starting a MESSAGE receiver
 */
export const LIVE = process.env.PBXVERIFY_LIVE_PBX ?? '';
export const isAri = /^aris?:\/\//.test(LIVE);
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
 */
export function startPhone(command: string): void {
  for (let i = 0; i < 100 && lastPhone !== undefined && alive(lastPhone); i++) execFileSync('bash', ['-c', 'sleep 0.1']);
  // SIPp in background mode (-bg) exits with status 99 by design: the status says nothing
  const started = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
  const pid = /PID=\[(\d+)\]/.exec(`${started.stdout ?? ''}${started.stderr ?? ''}`)?.[1];
  lastPhone = pid === undefined ? undefined : Number(pid);
  execFileSync('bash', ['-c', 'sleep 0.3']);
}

/** Announces why a live file does nothing. */
export function skipNote(what: string): void {
  it.skip(`${what} (set PBXVERIFY_LIVE_PBX=ari://… to run)`, () => undefined);
}
