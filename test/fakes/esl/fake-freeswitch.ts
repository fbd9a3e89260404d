import { randomUUID } from 'node:crypto';
import { calleeFor, E164_CALLEES, type Callee } from './callees';
import { EslServer, type SwitchBackend } from './esl-server';
import { EventFactory, STATUS_TEXT } from './event-factory';
import { FakeChannel, type ChannelHost } from './fake-channel';
import type { EventBody } from './frames';

export interface FakeFreeSwitchOptions {
  /** Event-socket password (default `pbxverify-fake`). */
  password?: string;
  /** Real ms per simulated ms: 1 = real time, 0.1 = ten times faster (callee timing, media, digit timeouts). */
  timeScale?: number;
  /** Simulated length of one prompt file (default 600 ms); silence_stream://N lasts N. */
  promptMs?: (file: string) => number;
  /** SIP profiles that exist (default qa, external); others give INVALID_PROFILE like bad-dialstring. */
  profiles?: string[];
  /** Gateways that exist (default pbxverify). */
  gateways?: string[];
  /** HEARTBEAT interval in real ms; 0 for none (default 20000, FreeSWITCH's). */
  heartbeatMs?: number;
  hang?: (line: string) => boolean;
  /** Files that do not exist on this FreeSWITCH: playback answers FILE NOT FOUND, file_exists false. */
  missingFiles?: (path: string) => boolean;
}

const SIP_STATUS: Record<string, number> = { USER_BUSY: 486, CALL_REJECTED: 603, UNALLOCATED_NUMBER: 404, NO_ROUTE_DESTINATION: 404, NORMAL_CLEARING: 480, NORMAL_CIRCUIT_CONGESTION: 503 };

interface Dial {
  callee: Callee | undefined;
  extension: string;
  aName: string;
  bName: string;
  source: string;
  sip: boolean;
  error?: string;
}

/**
 * A fake FreeSWITCH 1.10 behind a real event socket: its `qa` callees answer, press digits, hang
 * up, ring out, are busy or reject, as in the recordings; prompts take time; play_and_get_digits,
 * playback, uuid_break, uuid_recv_dtmf, uuid_kill and chat behave as probed on 1.10.12.
 * Fault controls: {@link cutConnections}, {@link stop}/{@link start} (same port), `hang`.
 */
export class FakeFreeSwitch implements SwitchBackend, ChannelHost {
  readonly factory = new EventFactory();
  readonly server: EslServer;
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: Array<{ from: string; to: string; body: string }> = [];
  readonly stats = { nestedExecutions: 0, originates: 0 };
  readonly password: string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Map<string, (cause: string) => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private hangRule: ((line: string) => boolean) | undefined;
  port = 0;

  constructor(private readonly opts: FakeFreeSwitchOptions = {}) {
    this.password = opts.password ?? 'pbxverify-fake';
    this.hangRule = opts.hang;
    this.server = new EslServer({ password: this.password, hang: (line) => this.hangRule?.(line) ?? false }, this, this.factory);
  }

  /** `esl://:password@127.0.0.1:port` */
  url(password = this.password): string {
    return `esl://:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<number> {
    this.port = await this.server.listen(this.port);
    const every = this.opts.heartbeatMs ?? 20_000;
    if (every > 0) {
      this.heartbeat = setInterval(() => this.server.emit(this.factory.heartbeat(this.channels.size)), every);
      this.heartbeat.unref();
    }
    return this.port;
  }

  /** FreeSWITCH stops: connections dropped, every channel gone without events. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.channels.clear();
    this.pending.clear();
    await this.server.close();
  }

  cutConnections(): void {
    this.server.cutConnections();
  }

  /** Makes FreeSWITCH stop answering commands matching `rule` (undefined: answer everything again). */
  setHang(rule: ((line: string) => boolean) | undefined): void {
    this.hangRule = rule;
  }

  // ChannelHost
  emit(event: EventBody): void {
    this.server.emit(event);
  }

  after(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, Math.round(ms * (this.opts.timeScale ?? 1))));
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  durationOf(media: string): number {
    // file_string://a!b!c, or a!b!c on a channel with playback_delimiter=! (the driver's, issue 18).
    const items = (media.startsWith('file_string://') ? media.slice('file_string://'.length) : media).split('!');
    return items.reduce((sum, item) => {
      if (this.missing(item)) return sum;
      const silence = /^silence_stream:\/\/(\d+)/.exec(item);
      return sum + (silence ? Number(silence[1]) : (this.opts.promptMs?.(item) ?? 600));
    }, 0);
  }

  nested(): void {
    this.stats.nestedExecutions++;
  }

  missing(path: string): boolean {
    // Inside a list a missing file is skipped (file_string; playback_delimiter goes on to the next file).
    return !path.startsWith('file_string://') && !path.includes('!') && !path.startsWith('silence_stream://') && (this.opts.missingFiles?.(path) ?? false);
  }

  destroyed(channel: FakeChannel): void {
    this.channels.delete(channel.uuid);
  }

  // SwitchBackend
  async api(command: string): Promise<string> {
    const [verb = '', ...args] = command.trim().split(/\s+/);
    const ch = args[0] === undefined ? undefined : this.channels.get(args[0]);
    switch (verb) {
      case 'status':
        return STATUS_TEXT;
      case 'version':
        return 'FreeSWITCH Version 1.10.12-release~64bit (fake)\n';
      case 'uuid_exists':
        return ch ? 'true' : 'false';
      case 'uuid_kill': {
        const cause = args[1] ?? 'NORMAL_CLEARING';
        const ringing = args[0] === undefined ? undefined : this.pending.get(args[0]);
        if (ringing) {
          ringing(cause);
          return '+OK\n';
        }
        if (!ch) return '-ERR No such channel!\n';
        ch.hangup(cause);
        return '+OK\n';
      }
      case 'uuid_break':
        if (!ch) return '-ERR No such channel!\n';
        ch.break(args[1] === 'all');
        return '+OK\n';
      case 'uuid_recv_dtmf': {
        if (!ch) return '-ERR Cannot locate session!\n';
        const digits = args[1] ?? '';
        for (const d of digits) ch.digit(d, 'APP');
        return `+OK ${ch.uuid} received DTMF ${digits}.\n`;
      }
      case 'file_exists':
        return this.opts.missingFiles?.(args[0] ?? '') ? 'false' : 'true';
      case 'uuid_broadcast': {
        // api-err.frames.json: an unknown uuid answers `-ERR invalid uuid`; a known one runs playback on it.
        if (!ch) return '-ERR invalid uuid\n';
        const file = args[1] ?? '';
        setImmediate(() => ch.execute('playback', file, randomUUID()));
        return '+OK Message sent\n';
      }
      case 'uuid_setvar':
        if (!ch || !args[1]) return '-ERR No such channel!\n';
        if (args[2] === undefined) ch.vars.delete(args[1]);
        else ch.vars.set(args[1], args.slice(2).join(' '));
        return '+OK\n';
      case 'uuid_setvar_multi':
        if (!ch || !args[1]) return '-ERR No such channel!\n';
        for (const pair of args.slice(1).join(' ').split(';')) if (pair.includes('=')) ch.vars.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
        return '+OK\n';
      case 'uuid_getvar':
        if (!ch || !args[1]) return '-ERR No such channel!\n';
        return ch.vars.get(args[1]) ?? '_undef_';
      case 'show':
        if (args[0] === 'channels' && args[1] === 'count') return `\n${this.channels.size} total.\n`;
        return '-ERR show: only `show channels count` in the fake\n';
      case 'originate':
        return this.originate(args.join(' '));
      case 'chat':
        return this.chat(command.trim().slice('chat '.length));
      default:
        return `-ERR ${verb} Command not found!\n`;
    }
  }

  async job(command: string): Promise<string> {
    return this.api(command);
  }

  async sendmsg(uuid: string, headers: Record<string, string>): Promise<string> {
    const ch = this.channels.get(uuid);
    if (!ch) return `-ERR invalid session id [${uuid}]`;
    const verb = headers['call-command'];
    if (verb === 'execute') {
      const app = headers['execute-app-name'] ?? '';
      const appId = headers['Event-UUID'] ?? randomUUID();
      // The reply goes out before the application starts (sendmsg is queued to the session).
      setImmediate(() => ch.execute(app, headers['execute-app-arg'] ?? '', appId, headers['event-lock'] === 'true'));
      return '+OK';
    }
    if (verb === 'hangup') {
      setImmediate(() => ch.hangup(headers['hangup-cause'] ?? 'NORMAL_CLEARING'));
      return '+OK';
    }
    // mod_event_socket queues any sendmsg to the session and answers +OK; switch_ivr_parse_event
    // ignores a call-command it does not know (the driver's wake-up, sip-queued-announcement).
    return '+OK';
  }

  private parseDial(dial: string): Dial {
    let m = /^loopback\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(dial);
    if (m) {
      const ext = m[1] as string;
      return { callee: calleeFor(ext), extension: ext, aName: `loopback/${ext}-a`, bName: `loopback/${ext}-b`, source: 'mod_loopback', sip: false };
    }
    m = /^sofia\/gateway\/([^/]+)\/(.+)$/.exec(dial);
    if (m) {
      const [gw, number] = [m[1] as string, m[2] as string];
      const base: Dial = { callee: calleeFor(number), extension: number, aName: `sofia/gateway/${gw}/${number}`, bName: `sofia/qa/${number}@127.0.0.1`, source: 'mod_sofia', sip: true };
      return (this.opts.gateways ?? ['pbxverify']).includes(gw) ? base : { ...base, error: 'INVALID_GATEWAY' };
    }
    m = /^sofia\/([^/]+)\/([^@]+)@(.+)$/.exec(dial);
    if (m) {
      const [profile, ext, host] = [m[1] as string, m[2] as string, m[3] as string];
      const base: Dial = { callee: calleeFor(ext), extension: ext, aName: `sofia/${profile}/${ext}@${host}`, bName: `sofia/${profile}/${ext}@127.0.0.1`, source: 'mod_sofia', sip: true };
      return (this.opts.profiles ?? ['qa', 'external']).includes(profile) ? base : { ...base, error: 'INVALID_PROFILE' };
    }
    return { callee: undefined, extension: dial, aName: dial, bName: dial, source: '', sip: false, error: 'CHAN_NOT_IMPLEMENTED' };
  }

  /**
   * A call from a SIP phone to a missed-call DID, routed by the `pbxverify-inbound` context: an
   * inbound leg that sets `pbxverify_inbound=true` (plus the SIP variables given) and parks.
   * Resolves with the cause it was killed with (`USER_BUSY`, `CALL_REJECTED`), or undefined when
   * nothing ended it within `waitMs`.
   */
  placeInbound(call: { did: string; caller: string; vars?: Record<string, string> }, waitMs = 5_000): Promise<string | undefined> {
    const uuid = randomUUID();
    const ch = new FakeChannel(this, uuid, `sofia/external/${call.caller}@127.0.0.1`, 'a', 'inbound', call.did, call.caller, 'mod_sofia', {
      pbxverify_inbound: 'true',
      ...call.vars,
    });
    ch.headers = { 'Caller-Caller-ID-Number': call.caller, 'Caller-Destination-Number': call.did, 'Caller-Context': 'pbxverify-inbound' };
    this.channels.set(uuid, ch);
    ch.event('CHANNEL_CREATE');
    ch.park();
    return new Promise((resolve) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (ch.isOver || Date.now() - started > waitMs) {
          clearInterval(poll);
          resolve(ch.hangupCause);
        }
      }, 5);
    });
  }

  /**
   * `originate {vars}<dial> &park()`, or `… '<app:arg,…>,park:' inline` (the greeting): resolves
   * with `+OK <uuid>\n` or `-ERR <CAUSE>\n`, events as recorded.
   */
  private originate(arg: string): Promise<string> {
    this.stats.originates++;
    const m = /^(?:\{([^}]*)\})?(\S+)\s+(?:&park\(\)|'([^']*),park:' inline)$/.exec(arg);
    if (!m) return Promise.resolve('-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n');
    const vars: Record<string, string> = {};
    for (const pair of (m[1] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const uuid = vars.origination_uuid ?? randomUUID();
    const inline = m[3]?.split(',').map((app) => ({ name: app.slice(0, app.indexOf(':')), data: app.slice(app.indexOf(':') + 1) }));
    const dial = this.parseDial(m[2] as string);
    if (dial.error && dial.error !== 'CHAN_NOT_IMPLEMENTED' && dial.error !== 'NO_ROUTE_DESTINATION') {
      // bad-dialstring.json: only a CHANNEL_DESTROY of a channel named N/A, then the job.
      this.emit(this.factory.stillborn(uuid));
      return Promise.resolve(`-ERR ${dial.error}\n`);
    }
    if (dial.error) return Promise.resolve(`-ERR ${dial.error}\n`);
    const callerId = vars.origination_caller_id_number ?? '0000000000';
    const a = new FakeChannel(this, uuid, dial.aName, 'a', 'outbound', dial.extension, callerId, dial.source, {
      is_outbound: 'true',
      ...vars,
      originate_early_media: 'true',
      originate_endpoint: dial.source.replace('mod_', ''),
    });
    this.channels.set(uuid, a);
    a.event('CHANNEL_OUTGOING');
    a.event('CHANNEL_CREATE');
    a.event('CHANNEL_ORIGINATE');
    const b = new FakeChannel(this, randomUUID(), dial.bName, 'b', 'inbound', dial.extension, callerId, dial.source, {});
    this.channels.set(b.uuid, b);
    b.event('CHANNEL_CREATE');

    return new Promise<string>((resolve) => {
      let settled = false;
      const timeoutS = Number(vars.originate_timeout ?? 60);
      const cancels: Array<() => void> = [];
      const fail = (cause: string, bCause = cause): void => {
        if (settled) return;
        settled = true;
        cancels.forEach((c) => c());
        this.pending.delete(uuid);
        b.hangup(bCause);
        a.hangup(cause, { sip: dial.sip ? SIP_STATUS[cause] : undefined, beforeDestroy: () => resolve(`-ERR ${cause}\n`) });
      };
      this.pending.set(uuid, (cause) => fail(cause, 'ORIGINATOR_CANCEL'));
      const callee = dial.callee;
      if (!callee) return fail('NO_ROUTE_DESTINATION');
      // originate_timeout counts whole seconds from the start of the attempt.
      cancels.push(this.after(timeoutS * 1000, () => fail('NO_ANSWER')));
      if (callee.dial === 'ring-forever' || callee.ringMs > 0) {
        a.progress();
        b.progress();
      }
      if (callee.dial === 'ring-forever') return;
      cancels.push(
        this.after(callee.ringMs, () => {
          if (callee.dial !== 'answer') return fail(callee.dial);
          settled = true;
          cancels.forEach((c) => c());
          this.pending.delete(uuid);
          // loopback answers A then B; over SIP the callee's B leg answers first (the recordings' sequence).
          if (dial.sip) {
            b.answer();
            a.answer();
          } else {
            a.answer();
            b.answer();
          }
          // From now on, either leg hanging up takes the other one down.
          a.peer = b;
          b.peer = a;
          // The job result comes after CHANNEL_ANSWER and before &park() runs (loopback-answer-and-press-pgd).
          resolve(`+OK ${uuid}\n`);
          a.heard = callee.voice;
          setImmediate(() => {
            if (a.isOver) return;
            if (inline) a.runExtension(inline, () => a.park());
            else a.park();
            this.play(callee, a, b);
          });
        }),
      );
    });
  }

  /** The callee's side once answered: waits, digits, hang-up. */
  private play(callee: Callee, a: FakeChannel, b: FakeChannel): void {
    let at = 0;
    for (const step of callee.script) {
      if ('dtmfOnCollect' in step) {
        a.onCollect = () => [...step.dtmfOnCollect].forEach((digit) => setImmediate(() => a.digit(digit, 'RTP')));
        continue;
      }
      if ('wait' in step) at += step.wait;
      else if ('dtmf' in step) {
        [...step.dtmf].forEach((digit, i) => this.after(at + i * step.spacing, () => a.digit(digit, a.source === 'mod_sofia' ? 'RTP' : 'UNKNOWN')));
        at += step.spacing * Math.max(0, step.dtmf.length - 1);
      } else {
        const cause = step.hangup;
        this.after(at, () => {
          b.hangup(cause);
          a.hangup(cause);
        });
      }
    }
  }

  /** `chat <proto>|<from>|<to>|<body>[|<type>]` (mod_dptools): `Sent`, `Error! Message Not Sent` or `Invalid`. */
  private chat(arg: string): string {
    const parts = arg.split('|');
    if (parts.length < 4) return 'Invalid';
    const [proto, from, to, body] = parts as [string, string, string, string];
    const m = /^(?:([A-Za-z0-9_.-]+)\/)?(?:sip:)?([^@]+)@(.+)$/.exec(to);
    if (proto !== 'sip' || !m) return 'Error! Message Not Sent';
    const [profile, user] = [m[1], m[2] as string];
    if (profile !== undefined && !(this.opts.profiles ?? ['qa', 'external']).includes(profile)) return 'Error! Message Not Sent';
    const callee = E164_CALLEES[user];
    if (callee === 'unallocated') return 'Error! Message Not Sent';
    this.messages.push({ from, to, body });
    return 'Sent';
  }
}
