import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock';
import { maskNumber } from '../../lib/mask';
import {
  type AmdRequest,
  callEnd,
  type CallEnd,
  type InboundCall,
  type MessageRequest,
  type MessageResult,
  type OperationOptions,
  type OriginateRequest,
  type OriginateResult,
  type Pbx,
  type PbxHealth,
  type PlayItem,
} from '../port';
import {
  chatCommand,
  checkChatTemplate,
  checkDialTemplate,
  checkSoundsDir,
  checkUuid,
  CommandInputError,
  mediaOf,
  originateCommand,
  playbackSegments,
  renderChatTo,
  renderDialString,
} from './commands';
import { INBOUND_MARK, type CommandResult, type EslEvent, type EslLink, type SubscribedEvent } from './esl-link';
import { eslInboundCall } from './esl-inbound';
import { detectOnEsl } from './amd';
import type { QueuedApp } from './app-run';
import { FreeSwitchCall } from './freeswitch-call';
import { IdSource } from './ids';
import { LinkKeeper } from './link-keeper';
import { dialFailure, parseOriginateReply } from './outcomes';
import type { EslTarget } from './url';

export interface FreeSwitchSettings {
  /** Dial string template: `{trunk}`, `{number}` (E.164 with +), `{digits}` (without +). */
  dialString: string;
  /** Sounds directory on the FreeSWITCH host; prompts are `<soundsDir>/pbxverify/<lang>/<id>.wav`. */
  soundsDir: string;
  /** Chat (SIP MESSAGE) destination template, e.g. `external/sip:{number}@sms.example.net`; SMS is unsupported without it. */
  chatTo?: string | undefined;
  /** Trunk used when a request names none (calls.trunk). */
  defaultTrunk?: string | undefined;
  /** Languages of the installed packs: checked on FreeSWITCH (file_exists) at every connection. */
  languages?: readonly string[] | undefined;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectMaxDelayMs: number;
  keepaliveMs: number;
}

export interface FreeSwitchPbxOptions {
  target: EslTarget;
  settings: FreeSwitchSettings;
  logger: Logger;
  clock: Clock;
}

/** Channels to kill once a link is back: never more than this many are remembered. */
const MAX_PENDING_KILLS = 10_000;

/**
 * The Pbx port over FreeSWITCH's inbound event socket, with the `esl` client.
 *
 * originate: `bgapi originate {origination_uuid=…}<dial> &park()`; the BACKGROUND_JOB says
 * `+OK <uuid>` (answered and parked) or `-ERR <CAUSE>` (see outcomes.ts). Calls are driven with
 * `playback` and `play_and_get_digits` executed one at a time; hang-up is `uuid_kill`; SMS is
 * the `chat` API (SIP MESSAGE). Only our own channels' and jobs' events reach us: their ids
 * carry a per-driver prefix that the link's two permanent event filters match (ids.ts).
 *
 * When the event socket drops, every call in flight fails at once (ended by the PBX): the state
 * of a half-done prompt or digit collection cannot be known afterwards. The channels that still
 * exist are killed as soon as a new link is up (the reconciliation), so nothing keeps ringing or
 * talking without a script.
 */
export class FreeSwitchPbx implements Pbx {
  readonly kind = 'freeswitch-esl';
  private readonly keeper: LinkKeeper;
  private readonly channels = new Map<string, FreeSwitchCall>();
  private readonly pendingKills = new Set<string>();
  private readonly settings: FreeSwitchSettings;
  private readonly logger: Logger;
  private readonly ids = new IdSource();
  private missingPacks: string[] = [];
  private inbound: ((call: InboundCall) => void) | undefined;
  /** Ringing listeners of originates not settled yet (flash calls), by uuid. */
  private readonly ringing = new Map<string, NonNullable<OriginateRequest['onRinging']>>();

  constructor(private readonly opts: FreeSwitchPbxOptions) {
    this.settings = opts.settings;
    this.logger = opts.logger;
    const problems = [
      ['freeswitch.dialString', checkDialTemplate(this.settings.dialString)],
      ['freeswitch.soundsDir', checkSoundsDir(this.settings.soundsDir)],
      ['freeswitch.chatTo', this.settings.chatTo === undefined ? undefined : checkChatTemplate(this.settings.chatTo)],
    ].filter(([, problem]) => problem !== undefined);
    if (problems.length) throw new Error(problems.map(([key, problem]) => `${key}: ${problem}`).join('; '));
    if (this.settings.dialString.includes('{trunk}') && this.settings.defaultTrunk === undefined) {
      throw new Error('freeswitch.dialString uses {trunk}: set calls.trunk (or PBXVERIFY_TRUNK) to the name of the FreeSWITCH gateway');
    }
    this.keeper = new LinkKeeper(
      {
        target: opts.target,
        logger: opts.logger,
        connectTimeoutMs: this.settings.connectTimeoutMs,
        commandTimeoutMs: this.settings.commandTimeoutMs,
        reconnectMaxDelayMs: this.settings.reconnectMaxDelayMs,
        keepaliveMs: this.settings.keepaliveMs,
        ids: this.ids,
      },
      {
        onEvent: (name, event) => this.onEvent(name, event),
        onUp: (link) => this.reconcile(link),
        onDown: (reason) => this.failInFlight(reason),
      },
      opts.logger,
    );
  }

  async start(): Promise<void> {
    await this.keeper.start();
  }

  async stop(): Promise<void> {
    const calls = [...this.channels.values()];
    await Promise.all(calls.filter((call) => !call.isOver).map((call) => call.hangup()));
    await this.keeper.stop();
    for (const call of this.channels.values()) call.lost('stopped');
    this.channels.clear();
  }

  health(): PbxHealth {
    const health = this.keeper.health();
    if (!health.ready || this.missingPacks.length === 0) return health;
    return { ready: true, detail: `${health.detail}; sound packs missing on FreeSWITCH: ${this.missingPacks.join(', ')}` };
  }

  /** Channels the driver is following now (for tests and metrics). */
  get liveChannels(): number {
    return this.channels.size;
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    const now = (): number => this.opts.clock.now();
    // Bad arguments are programming errors (the port throws for those): checked before anything is dialled.
    mediaOf({ prompt: 'your-code-is' }, req.lang, this.settings.soundsDir); // throws on a language that is not a pack tag
    const dial = renderDialString(req.dial?.freeswitch ?? this.settings.dialString, { number: req.to, dialNumber: req.dialNumber, national: req.national, trunk: req.trunk ?? this.settings.defaultTrunk });
    const uuid = this.ids.next();
    const segments = req.greeting && !req.amd ? playbackSegments(req.greeting, req.lang, this.settings.soundsDir) : undefined;
    const greeting = req.greeting && segments ? { items: req.greeting, queue: segments.map((arg) => ({ arg, id: randomUUID() })) } : undefined;
    const command = originateCommand({ uuid, dial, callerId: req.callerId, ringTimeoutMs: req.ringTimeoutMs, greeting: greeting?.queue });
    const call = new FreeSwitchCall(uuid, req.lang, {
      link: () => this.keeper.current(),
      killLater: (id) => this.killLater(id),
      clock: this.opts.clock,
      logger: this.logger,
      commandTimeoutMs: this.settings.commandTimeoutMs,
      soundsDir: this.settings.soundsDir,
    });
    // A child logger per call only when someone reads debug lines (it is not free at hundreds of calls/s).
    const logger = this.logger.isLevelEnabled('debug') ? this.logger.child({ callId: uuid, dest: maskNumber(req.to) }) : this.logger;
    if (opts.signal?.aborted) return { ok: false, end: callEnd('canceled', 'local', { text: 'ORIGINATOR_CANCEL' }, now()) };
    const link = this.keeper.current();
    if (!link) return { ok: false, end: callEnd('failed', 'pbx', { text: `FreeSWITCH not connected (${this.health().detail})` }, now()) };

    this.channels.set(uuid, call);
    logger.debug({ ringTimeoutMs: req.ringTimeoutMs }, 'originate');
    const job = link.bgapi(command, opts.timeoutMs + this.settings.commandTimeoutMs);

    let giveUp!: (why: 'deadline' | 'aborted') => void;
    const stopped = new Promise<'deadline' | 'aborted'>((resolve) => (giveUp = resolve));
    const timer = setTimeout(() => giveUp('deadline'), opts.timeoutMs);
    const onAbort = (): void => giveUp('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.onRinging) this.ringing.set(uuid, req.onRinging);
    const first = await Promise.race([job, stopped]).finally(() => this.ringing.delete(uuid));
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);

    if (first === 'deadline' || first === 'aborted') {
      // Torn down now; a late `+OK` (answered after all) is killed too.
      call.abandoned = true;
      void job.then((late) => this.afterAbandon(call, late));
      void this.kill(uuid, 'ORIGINATOR_CANCEL');
      logger.debug({ why: first }, 'originate given up');
      this.forgetWhenDestroyed(call);
      return first === 'aborted'
        ? { ok: false, end: callEnd('canceled', 'local', { text: 'ORIGINATOR_CANCEL', sip: 487 }, now()) }
        : { ok: false, end: callEnd('failed', 'local', { text: `no result within ${opts.timeoutMs} ms` }, now()) };
    }
    const settled = this.settle(call, first, logger, greeting);
    if (!settled.ok || !req.amd) return settled;
    return this.detect(call, req.amd, opts.signal);
  }

  /** Answering-machine detection before the call is handed out (amd.ts). */
  private async detect(call: FreeSwitchCall, mode: AmdRequest, signal: AbortSignal | undefined): Promise<OriginateResult> {
    const verdict = await detectOnEsl(call, mode, { now: () => this.opts.clock.now(), logger: this.logger }, signal);
    if (verdict === 'lost') {
      await call.hangup();
      const canceled = signal?.aborted === true;
      return { ok: false, end: callEnd(canceled ? 'canceled' : 'failed', 'local', { text: canceled ? 'ORIGINATOR_CANCEL' : 'answering-machine detection did not finish' }, this.opts.clock.now()) };
    }
    call.amd = verdict;
    this.logger.debug({ callId: call.id, amd: verdict.result, cause: verdict.cause }, 'answering-machine detection');
    return { ok: true, call };
  }

  async sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    if (this.settings.chatTo === undefined) return { ok: false, error: 'unsupported', detail: 'freeswitch.chatTo is not configured' };
    let command: string;
    try {
      const to = renderChatTo(this.settings.chatTo, { number: msg.to, trunk: this.settings.defaultTrunk });
      command = chatCommand({ to, from: msg.from, body: msg.body });
    } catch (err) {
      if (err instanceof CommandInputError) return { ok: false, error: 'rejected', detail: err.message };
      throw err;
    }
    if (opts.signal?.aborted) return { ok: false, error: 'failed', detail: 'aborted' };
    const link = this.keeper.current();
    if (!link) return { ok: false, error: 'failed', detail: 'FreeSWITCH not connected' };
    // The chat API blocks until the far end answers the MESSAGE (up to 20 s): bgapi, never api.
    let onAbort: (() => void) | undefined;
    const sent = await Promise.race([
      link.bgapi(command, opts.timeoutMs),
      new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        opts.signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    if (sent === 'aborted') return { ok: false, error: 'failed', detail: 'aborted' };
    if (!sent.ok) return { ok: false, error: sent.failure === 'timeout' ? 'timeout' : 'failed', detail: sent.text };
    const text = sent.text.trim();
    if (text === 'Sent') return { ok: true, messageId: `esl-${randomUUID()}` };
    return { ok: false, error: text === 'Invalid' ? 'rejected' : 'failed', detail: text.slice(0, 200) };
  }

  private settle(call: FreeSwitchCall, job: CommandResult, logger: Logger, greeting: { items: PlayItem[]; queue: QueuedApp[] } | undefined): OriginateResult {
    const now = this.opts.clock.now();
    if (!job.ok) {
      call.abandoned = true;
      this.channels.delete(call.id);
      if (job.failure !== 'down') void this.kill(call.id, 'ORIGINATOR_CANCEL');
      return { ok: false, end: callEnd('failed', 'pbx', { text: job.failure === 'down' ? `control connection lost: ${job.text}` : `originate: ${job.text}` }, now) };
    }
    const reply = parseOriginateReply(job.text);
    if (reply.ok) {
      logger.debug('answered');
      // The originate is already playing it (its inline dialplan): the run follows it from here.
      if (greeting) call.startGreeting(greeting.items, greeting.queue);
      call.handOut();
      return { ok: true, call };
    }
    const end: CallEnd = dialFailure(reply, call.hangupCause, now);
    logger.debug({ outcome: end.outcome, cause: end.cause.text }, 'not answered');
    this.forgetWhenDestroyed(call);
    return { ok: false, end };
  }

  private afterAbandon(call: FreeSwitchCall, late: CommandResult): void {
    if (late.ok && parseOriginateReply(late.text).ok) void this.kill(call.id, 'ORIGINATOR_CANCEL');
  }

  /** Stops following a channel that will not be handed out, once it hung up (or soon). */
  private forgetWhenDestroyed(call: FreeSwitchCall): void {
    call.abandoned = true;
    if (call.hungUp) return this.forget(call.id);
    // Its CHANNEL_HANGUP normally comes within milliseconds (a bad dial string has none at all).
    setTimeout(() => this.forget(call.id), Math.max(5_000, this.settings.commandTimeoutMs)).unref();
  }

  private forget(uuid: string): void {
    this.channels.delete(uuid);
  }

  private onEvent(name: SubscribedEvent, event: EslEvent): void {
    const uuid = event['Unique-ID'];
    if (uuid === undefined) return;
    if (name === 'CHANNEL_PROGRESS' || name === 'CHANNEL_PROGRESS_MEDIA') return this.onProgress(uuid, name);
    const call = this.channels.get(uuid);
    if (!call) {
      if (name === 'CHANNEL_PARK' && event[INBOUND_MARK] === 'true') this.onInboundPark(uuid, event);
      return;
    }
    call.handle(name, event);
    // Given up on, but answered after all: torn down at the answer, before a greeting says a word
    // (and again when parked, in case the answer came before the abandon).
    if ((name === 'CHANNEL_ANSWER' || name === 'CHANNEL_PARK') && call.abandoned && !call.isOver) void this.kill(uuid, 'ORIGINATOR_CANCEL');
    // Nothing after its hang-up concerns us (a pending originate keeps its own reference).
    if (name === 'CHANNEL_HANGUP') this.forget(uuid);
  }

  /** Calls to missed-call DIDs parked by `pbxverify-inbound` (esl-inbound.ts). */
  onInbound(listener: (call: InboundCall) => void): void {
    this.inbound = listener;
  }

  private onInboundPark(uuid: string, event: EslEvent): void {
    const call = eslInboundCall(uuid, event, (id, cause) => this.kill(id, cause), this.opts.clock.now());
    if (this.inbound) this.inbound(call);
    else void call.reject('busy');
  }

  /** The ringing event of a pending originate: reported once, then forgotten. */
  private onProgress(uuid: string, name: 'CHANNEL_PROGRESS' | 'CHANNEL_PROGRESS_MEDIA'): void {
    const report = this.ringing.get(uuid);
    if (!report) return;
    this.ringing.delete(uuid);
    report({ at: this.opts.clock.now(), kind: name === 'CHANNEL_PROGRESS' ? 'ringing' : 'progress' });
  }

  private async kill(uuid: string, cause: string): Promise<void> {
    const link = this.keeper.current();
    if (!link) return this.killLater(uuid);
    const reply = await link.api(`uuid_kill ${checkUuid(uuid)} ${cause}`);
    if (!reply.ok && reply.failure !== 'error') this.killLater(uuid);
  }

  private killLater(uuid: string): void {
    if (this.pendingKills.size >= MAX_PENDING_KILLS) return;
    this.pendingKills.add(uuid);
  }

  /** The link dropped: nothing in flight can be driven any more. */
  private failInFlight(reason: string): void {
    const calls = [...this.channels.values()];
    this.channels.clear();
    for (const call of calls) call.lost(reason);
    if (calls.length) this.logger.warn({ calls: calls.length, reason }, 'calls in flight failed: freeswitch link lost');
  }

  /**
   * A new link is up: channels left over from the previous one are killed (`uuid_kill`; `-ERR No
   * such channel!` means FreeSWITCH already let them go, e.g. after a restart), and the sound
   * packs are looked for on the FreeSWITCH host (a missing file is heard as silence otherwise:
   * file_string plays the files it finds and reports FILE PLAYED).
   */
  private async reconcile(link: EslLink): Promise<void> {
    let killed = 0;
    for (const uuid of [...this.pendingKills]) {
      const reply = await link.api(`uuid_kill ${uuid} NORMAL_CLEARING`);
      if (reply.ok) killed++;
      if (reply.ok || reply.failure === 'error') this.pendingKills.delete(uuid);
      if (!link.isOpen) return;
    }
    if (killed) this.logger.warn({ killed }, 'killed channels left over from the previous freeswitch link');
    const missing: string[] = [];
    for (const lang of this.settings.languages ?? []) {
      // `pbxverify prompts install --freeswitch` puts the files in a <rate>/ folder, where
      // mod_sndfile looks first; a flat copy of sounds/<lang> works too.
      const file = mediaOf({ prompt: 'your-code-is' }, lang, this.settings.soundsDir);
      let found = false;
      for (const candidate of [file.replace(/\/([^/]+)$/, '/8000/$1'), file]) {
        const reply = await link.api(`file_exists ${candidate}`);
        if (!link.isOpen) return;
        found ||= !reply.ok || reply.text.trim() !== 'false';
        if (found) break;
      }
      if (!found) missing.push(lang);
    }
    this.missingPacks = missing;
    if (missing.length) this.logger.error({ missing, soundsDir: this.settings.soundsDir }, 'sound packs missing on freeswitch: calls in these languages will be silent');
  }
}
