/**
 * The live suite against a real FreeSWITCH with dialplan/freeswitch (and its qa/ folder) loaded and
 * every sound pack installed (docs/freeswitch.md). Its settings (PBXVERIFY_LIVE_*) are listed, with
 * their meaning and defaults, in test/live/live-settings.ts and docs/live-tests.md.
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
export const LIVE_DIAL = env.PBXVERIFY_LIVE_ESL_DIAL || 'loopback/{number}/qa';
/** The SIP profile the SMS tests send from (dialplan/freeswitch/qa/sip_profiles/pbxverify-qa.xml). */
export const LIVE_SIP_PROFILE = env.PBXVERIFY_LIVE_ESL_SIP_PROFILE || 'pbxverify-qa';

export function liveSettings(overrides: Partial<FreeSwitchSettings> = {}): FreeSwitchSettings {
  return {
    dialString: LIVE_DIAL,
    soundsDir: env.PBXVERIFY_LIVE_ESL_SOUNDS || '/usr/share/freeswitch/sounds',
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
    logger: pino({ level: env.PBXVERIFY_LIVE_LOG || 'silent' }),
    clock: systemClock,
  });
}

/** Why the SIP MESSAGE tests cannot run here (SIPp missing), or undefined. They fail with it, never skip. */
export const NO_SIPP = spawnSync('sipp', ['-v']).error
  ? 'sipp is not on the PATH: the SMS tests need a SIP phone that is not FreeSWITCH (FreeSWITCH refuses a MESSAGE to itself). Install SIPp (Debian: apt-get install sip-tester) or build it with the pbx-lab scripts, and put it on the PATH.'
  : undefined;

/**
 * UDP ports of the SIPp message phone: 7000-7999, below the RTP ranges of both PBXs (Asterisk
 * 10000-20000, FreeSWITCH 16384-32768 stock, 30000-31000 in the lab), the Linux ephemeral ports
 * (32768-60999) and clear of SIP (5060-5099), ESL (8021) and ARI (8088).
 */
export const MESSAGE_PHONE_PORTS = { first: 7000, last: 7999 } as const;

/**
 * A SIPp phone on 127.0.0.1:<port> that accepts one SIP MESSAGE (202) and exits; its message
 * trace goes to `log`. FreeSWITCH refuses a MESSAGE it sent to itself, so the receiver is SIPp.
 */
export class MessagePhone {
  readonly port = MESSAGE_PHONE_PORTS.first + Math.floor(Math.random() * (MESSAGE_PHONE_PORTS.last - MESSAGE_PHONE_PORTS.first + 1));
  readonly log = join(mkdtempSync(join(tmpdir(), 'pbxverify-sipp-')), 'msg.log');
  private child: ChildProcess | undefined;
  exited = true;

  /** The chat destination that reaches this phone from the SIP profile under test. */
  chatTo(): string {
    return `${LIVE_SIP_PROFILE}/sip:{number}@127.0.0.1:${this.port}`;
  }

  /** Starts a phone for the next message (waits a moment for it to bind); throws without SIPp. */
  async listen(): Promise<void> {
    if (NO_SIPP) throw new Error(NO_SIPP);
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
