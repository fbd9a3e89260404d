/**
 * Settings of the opt-in live suite against a real FreeSWITCH (npm run test:live):
 *   PBXVERIFY_LIVE_PBX=esl://:password@127.0.0.1:8021   the event socket (required; esl:// only here)
 *   PBXVERIFY_LIVE_ESL_DIAL=loopback/{number}/qa          dial string template reaching the qa callees
 *                                                        (over SIP: sofia/qa/{number}@127.0.0.1:5080)
 *   PBXVERIFY_LIVE_ESL_SOUNDS=/usr/share/freeswitch/sounds  sounds directory on that FreeSWITCH
 *   PBXVERIFY_LIVE_ESL_CHAT_TO=qa/sip:{number}@127.0.0.1:5090  SIP MESSAGE destination (SMS test; skipped when unset)
 * The FreeSWITCH must have dialplan/freeswitch loaded (context qa) and the English pack installed
 * under <sounds>/pbxverify/en (docs/freeswitch.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { FreeSwitchPbx, type FreeSwitchSettings } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';

const env = process.env;

export const LIVE_URL = env.PBXVERIFY_LIVE_PBX ?? '';
export const LIVE_ESL = LIVE_URL.startsWith('esl://');
export const LIVE_DIAL = env.PBXVERIFY_LIVE_ESL_DIAL ?? 'loopback/{number}/qa';
/** `describe` when PBXVERIFY_LIVE_PBX names a FreeSWITCH, `describe.skip` otherwise. */
export const describeLive = LIVE_ESL ? describe : describe.skip;

export function liveSettings(overrides: Partial<FreeSwitchSettings> = {}): FreeSwitchSettings {
  return {
    dialString: LIVE_DIAL,
    soundsDir: env.PBXVERIFY_LIVE_ESL_SOUNDS ?? '/usr/share/freeswitch/sounds',
    chatTo: env.PBXVERIFY_LIVE_ESL_CHAT_TO,
    defaultTrunk: 'pbxverify',
    commandTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    reconnectMaxDelayMs: 2000,
    keepaliveMs: 15_000,
    ...overrides,
  };
}

export function livePbx(overrides: Partial<FreeSwitchSettings> = {}, url = LIVE_URL): FreeSwitchPbx {
  return new FreeSwitchPbx({
    target: parseEslUrl(url),
    settings: liveSettings(overrides),
    logger: pino({ level: env.PBXVERIFY_TEST_LOG ?? 'silent' }),
    clock: systemClock,
  });
}

/** True when SIPp is installed (the SIP MESSAGE tests need a SIP phone that is not FreeSWITCH). */
export const HAS_SIPP = spawnSync('sipp', ['-v']).error === undefined;

/**
 * A SIPp phone on 127.0.0.1:<port> that accepts one SIP MESSAGE (202) and exits; its message
 * trace goes to `log`. FreeSWITCH refuses a MESSAGE it sent to itself, so the receiver is SIPp.
 */
export class MessagePhone {
  readonly port = 15060 + Math.floor(Math.random() * 2000);
  readonly log = join(mkdtempSync(join(tmpdir(), 'pbxverify-sipp-')), 'msg.log');
  private child: ChildProcess | undefined;
  exited = true;

  /** Starts a phone for the next message (waits a moment for it to bind). */
  async listen(): Promise<void> {
    this.stop();
    this.exited = false;
    const child = spawn('sipp', ['-sf', join(__dirname, 'sipp/message-uas.xml'), '-i', '127.0.0.1', '-p', String(this.port), '-m', '1', '-trace_msg', '-message_file', this.log, '-nostdin'], {
      stdio: 'ignore',
    });
    child.on('exit', () => (this.exited = true));
    this.child = child;
    await new Promise((r) => setTimeout(r, 500));
  }

  stop(): void {
    if (!this.exited) this.child?.kill();
  }
}
