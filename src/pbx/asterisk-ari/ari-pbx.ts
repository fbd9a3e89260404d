import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { maskNumber } from '../../lib/mask';
import {
  callEnd,
  type AmdRequest,
  type CallEnd,
  type MessageRequest,
  type MessageResult,
  type OperationOptions,
  type OriginateRequest,
  type OriginateResult,
  type InboundCall,
  type Pbx,
  type PbxHealth,
} from '../port';
import { ariInboundCall } from './ari-inbound';
import { detectOnAri } from './amd';
import { AriCall } from './ari-call';
import { AriConnection } from './ari-connection';
import { type AriRequestError, AriRest } from './ari-rest';
import type { AriTarget } from './ari-url';
import { checkedCallerId, fillTemplate, messageProblem } from './dial-string';
import { deadline } from './deadline';
import { DialTracker, ringingOf, type DialDecision } from './outcome';
import { channelOf, playbackChannelId, type AriEvent } from './wire';

export interface AriSettings {
  endpointTemplate: string;
  messageTemplate?: string | undefined;
  restTimeoutMs: number;
  originateTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  pingIntervalMs: number;
  lostCallsAfterMs: number;
  startTimeoutMs: number;
}

export interface AriPbxOptions {
  target: AriTarget;
  /** The unique Stasis app name of this engine instance (see stasisAppName()). */
  appName: string;
  settings: AriSettings;
  /** Trunk used when a request names none. */
  defaultTrunk?: string | undefined;
  logger: Logger;
  now?: () => number;
}

type Settle = (decision: DialDecision) => void;

interface Attempt {
  tracker: DialTracker;
  settle: Settle;
  logger: Logger;
  lang: string;
  /** The ringing event (flash calls); set to undefined once reported. */
  onRinging?: OriginateRequest['onRinging'];
}

/**
 * The Asterisk driver: originates into this instance's Stasis app over ARI, follows the
 * channel's events to an outcome, and hands answered channels to {@link AriCall}. Survives
 * the PBX going away: reconnects without giving up, reconciles calls in flight with
 * `GET /channels` after a reconnect, and fails them cleanly when the PBX stays away.
 */
export class AriPbx implements Pbx {
  readonly kind = 'asterisk-ari';
  private readonly rest: AriRest;
  private readonly connection: AriConnection;
  private readonly attempts = new Map<string, Attempt>();
  private readonly calls = new Map<string, AriCall>();
  /** Channels we gave up on while the PBX was away; hung up once it is back. */
  private readonly abandoned = new Set<string>();
  private lostTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Logger;
  private inbound: ((call: InboundCall) => void) | undefined;

  constructor(private readonly opts: AriPbxOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
    const endpoint = { baseUrl: opts.target.baseUrl, user: opts.target.user, password: opts.target.password };
    this.rest = new AriRest(endpoint, opts.settings.restTimeoutMs);
    this.connection = new AriConnection({
      endpoint,
      app: opts.appName,
      rest: this.rest,
      logger: opts.logger,
      reconnectBaseMs: opts.settings.reconnectBaseMs,
      reconnectMaxMs: opts.settings.reconnectMaxMs,
      pingIntervalMs: opts.settings.pingIntervalMs,
      startTimeoutMs: opts.settings.startTimeoutMs,
    });
    this.connection.on('event', (ev) => this.dispatch(ev));
    this.connection.on('down', () => this.onDown());
    this.connection.on('up', ({ reconnected }) => {
      this.onUp();
      if (reconnected) void this.reconcile();
    });
  }

  /** Calls to missed-call DIDs entering Stasis through `[pbxverify-inbound]` (ari-inbound.ts). */
  onInbound(listener: (call: InboundCall) => void): void {
    this.inbound = listener;
  }

  /** The Stasis app this instance registered. */
  get appName(): string {
    return this.opts.appName;
  }

  async start(): Promise<void> {
    await this.connection.start();
    this.log.info({ app: this.opts.appName, ari: this.opts.target.baseUrl }, 'ari connected');
  }

  async stop(): Promise<void> {
    clearTimeout(this.lostTimer);
    await Promise.all([...this.calls.values()].map((call) => call.hangup()));
    await Promise.all(
      [...this.attempts.keys()].map(async (id) => {
        this.settleAttempt(id, { kind: 'failed', outcome: 'canceled', cause: { text: 'engine stopping' } });
        await this.rest.hangup(id).catch(() => undefined);
      }),
    );
    await this.connection.stop();
    await this.rest.close();
  }

  health(): PbxHealth {
    const { ready, detail } = this.connection.describe();
    return { ready, detail };
  }

  /** Dial attempts and answered calls this driver follows now. */
  inFlight(): { attempts: number; calls: number } {
    return { attempts: this.attempts.size, calls: this.calls.size };
  }

  /** Test hook: drops the event socket as a network cut would. */
  dropConnection(): void {
    this.connection.drop();
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    const endpoint = fillTemplate(req.dial?.asterisk ?? this.opts.settings.endpointTemplate, { number: req.to, dialNumber: req.dialNumber, national: req.national, trunk: req.trunk ?? this.opts.defaultTrunk });
    const callerId = checkedCallerId(req.callerId);
    const started = this.now();
    const fail = (outcome: 'failed' | 'canceled', text: string, by: CallEnd['by'] = 'pbx'): OriginateResult => ({
      ok: false,
      end: callEnd(outcome, by, { text }, this.now()),
    });
    if (opts.signal?.aborted) return fail('canceled', 'canceled before dialling', 'local');
    const health = this.connection.describe();
    if (!health.ready) return fail('failed', `PBX unavailable: ${health.detail}`);

    const channelId = `${this.opts.appName}-${randomBytes(6).toString('hex')}`;
    const logger = this.log.child({ callId: channelId, dest: maskNumber(req.to) });
    const decided = new Promise<DialDecision>((resolve) => {
      this.attempts.set(channelId, { tracker: new DialTracker(channelId), settle: resolve, logger, lang: req.lang, onRinging: req.onRinging });
    });
    const limit = deadline(Math.max(1, opts.timeoutMs), opts.signal);
    const stop = limit.signal;
    const stopped = new Promise<'stopped'>((resolve) => stop.addEventListener('abort', () => resolve('stopped'), { once: true }));

    logger.debug({ tech: endpoint.split('/')[0] }, 'originate');
    // Not awaited on its own: StasisStart (and the callee's first digits) can arrive before the
    // HTTP answer, and the call must be handed over at once (rest-calls.md §2 on ordering).
    const refused = new Promise<{ kind: 'refused'; err: AriRequestError }>((resolve) => {
      this.rest
        .originate(
          {
            endpoint,
            app: this.opts.appName,
            appArgs: 'out',
            channelId,
            timeoutSec: Math.max(1, Math.ceil(req.ringTimeoutMs / 1000)),
            ...(callerId !== undefined ? { callerId } : {}),
          },
          { timeoutMs: this.opts.settings.originateTimeoutMs, signal: stop },
        )
        .catch((err: unknown) => resolve({ kind: 'refused', err: err as AriRequestError }));
    });

    const first = await Promise.race([decided, stopped, refused]);
    limit.done();
    if (first !== 'stopped' && first.kind === 'refused') {
      this.attempts.delete(channelId);
      const e = first.err;
      // the request may have reached Asterisk before the deadline: make sure nothing rings on
      if (e.kind !== 'http') void this.rest.hangup(channelId).catch(() => undefined);
      if (opts.signal?.aborted) return fail('canceled', 'canceled while dialling', 'local');
      logger.warn({ err: e.message }, 'originate refused');
      // HTTP 500 "Allocation failed": unknown technology or endpoint (bad-tech, pjsip-unknown-endpoint)
      return { ok: false, end: callEnd('failed', 'pbx', { text: e.message }, this.now()) };
    }
    if (first === 'stopped') {
      this.attempts.delete(channelId);
      // answered in the same instant? then hang that call up too
      this.calls.get(channelId)?.end(callEnd('answered', 'local', { text: 'originate deadline' }, this.now()));
      void this.rest.hangup(channelId).catch(() => undefined);
      const canceled = opts.signal?.aborted === true;
      logger.info({ outcome: canceled ? 'canceled' : 'failed', ms: this.now() - started }, 'dial stopped');
      return fail(canceled ? 'canceled' : 'failed', canceled ? 'ORIGINATOR_CANCEL' : 'originate deadline passed', 'local');
    }
    if (first.kind === 'answered') {
      const call = this.calls.get(channelId);
      if (call) {
        logger.info({ ms: this.now() - started }, 'answered');
        if (req.amd) return this.detect(call, req.amd, logger, opts.signal);
        return { ok: true, call };
      }
      return fail('failed', 'answered channel vanished');
    }
    logger.info({ outcome: first.outcome, cause: first.cause }, 'dial failed');
    const by = first.outcome === 'canceled' || (first.outcome === 'failed' && first.cause.text?.startsWith('PBX')) ? 'pbx' : 'remote';
    return { ok: false, end: callEnd(first.outcome, by, first.cause, this.now()) };
  }

  /** Answering-machine detection before the call is handed out (amd.ts). */
  private async detect(call: AriCall, mode: AmdRequest, logger: Logger, signal: AbortSignal | undefined): Promise<OriginateResult> {
    const verdict = await detectOnAri(call, mode, { rest: this.rest, app: this.opts.appName, restTimeoutMs: this.opts.settings.restTimeoutMs, now: this.now, logger }, signal);
    if (verdict === 'lost') {
      await call.hangup();
      const canceled = signal?.aborted === true;
      return { ok: false, end: callEnd(canceled ? 'canceled' : 'failed', 'local', { text: canceled ? 'ORIGINATOR_CANCEL' : 'answering-machine detection did not return the channel' }, this.now()) };
    }
    call.amd = verdict;
    logger.info({ amd: verdict.result, cause: verdict.cause, ms: verdict.ms }, 'answering-machine detection');
    return { ok: true, call };
  }

  async sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    const template = this.opts.settings.messageTemplate;
    if (template === undefined) return { ok: false, error: 'unsupported', detail: 'asterisk.messageTemplate is not configured' };
    const problem = messageProblem(msg);
    if (problem !== undefined) return { ok: false, error: 'rejected', detail: problem };
    let to: string;
    try {
      to = fillTemplate(template, { number: msg.to, trunk: this.opts.defaultTrunk });
    } catch (err) {
      return { ok: false, error: 'rejected', detail: (err as Error).message };
    }
    if (!this.connection.describe().ready) return { ok: false, error: 'failed', detail: 'PBX unavailable' };
    try {
      await this.rest.sendMessage({ to, from: msg.from, body: msg.body }, { timeoutMs: Math.min(opts.timeoutMs, this.opts.settings.restTimeoutMs), ...(opts.signal ? { signal: opts.signal } : {}) });
      return { ok: true, messageId: `ari-${randomUUID()}` };
    } catch (err) {
      const e = err as AriRequestError;
      this.log.warn({ dest: maskNumber(msg.to), err: e.message }, 'sendMessage failed');
      if (e.kind === 'timeout') return { ok: false, error: 'timeout' };
      if (e.kind === 'http' && (e.status === 404 || e.status === 400)) return { ok: false, error: 'unreachable', detail: e.message };
      return { ok: false, error: 'failed', detail: e.message };
    }
  }

  /** Routes one ARI event to the attempt or call it is about. */
  dispatch(ev: AriEvent): void {
    if (ev.type === 'ApplicationReplaced') {
      this.log.error({ app: this.opts.appName }, 'another connection took over this Stasis app name; events are lost');
      return;
    }
    if (ev.type === 'PlaybackStarted' || ev.type === 'PlaybackContinuing' || ev.type === 'PlaybackFinished') {
      const id = playbackChannelId(ev.playback);
      if (id !== undefined) this.calls.get(id)?.handle(ev);
      return;
    }
    if (ev.type === 'StasisStart' && ev.args?.[0] === 'inbound' && !this.attempts.has(ev.channel.id)) {
      const call = ariInboundCall(ev.channel, ev.args, this.rest, this.now(), this.opts.settings.restTimeoutMs);
      this.log.debug({ callId: call.id, listening: this.inbound !== undefined }, 'inbound call');
      if (this.inbound) this.inbound(call);
      else void call.reject('busy');
      return;
    }
    const channel = channelOf(ev);
    if (!channel) return;
    const base = channel.id.replace(/;[12]$/, '');
    const attempt = this.attempts.get(base);
    if (attempt) {
      const ringing = attempt.onRinging && ringingOf(ev, base);
      if (ringing) {
        const report = attempt.onRinging as NonNullable<Attempt['onRinging']>;
        attempt.onRinging = undefined;
        report({ at: this.now(), kind: ringing });
      }
      const decision = attempt.tracker.feed(ev);
      if (decision) {
        if (decision.kind === 'answered') this.adopt(base, attempt);
        this.settleAttempt(base, decision);
      }
      return;
    }
    this.calls.get(channel.id)?.handle(ev);
  }

  private adopt(channelId: string, attempt: Attempt): AriCall {
    const { logger, lang } = attempt;
    const call = new AriCall(channelId, {
      rest: this.rest,
      logger,
      lang,
      restTimeoutMs: this.opts.settings.restTimeoutMs,
      newId: () => randomUUID(),
      now: this.now,
    });
    this.calls.set(channelId, call);
    void call.ended.then((end) => {
      this.calls.delete(channelId);
      logger.info({ by: end.by, cause: end.cause }, 'call ended');
    });
    return call;
  }

  private settleAttempt(channelId: string, decision: DialDecision): void {
    const attempt = this.attempts.get(channelId);
    if (!attempt) return;
    this.attempts.delete(channelId);
    attempt.settle(decision);
  }

  private onDown(): void {
    clearTimeout(this.lostTimer);
    const ms = this.opts.settings.lostCallsAfterMs;
    this.lostTimer = setTimeout(() => this.failInFlight(`PBX unreachable for more than ${Math.round(ms / 1000)} s`), ms);
    this.lostTimer.unref();
  }

  private onUp(): void {
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
  }

  /** The PBX stayed away too long: every attempt and call in flight ends now, as a value. */
  private failInFlight(text: string): void {
    const at = this.now();
    if (this.attempts.size + this.calls.size > 0) this.log.warn({ attempts: this.attempts.size, calls: this.calls.size }, 'failing calls in flight: PBX gone');
    for (const id of [...this.attempts.keys()]) {
      this.abandoned.add(id);
      this.settleAttempt(id, { kind: 'failed', outcome: 'failed', cause: { text } });
    }
    for (const [id, call] of [...this.calls]) {
      this.abandoned.add(id);
      call.end(callEnd('answered', 'pbx', { text }, at));
    }
  }

  /**
   * After a reconnect: events sent while we were away are lost, so ask Asterisk which of our
   * channels still exist. Gone ones end (their outcome is unknown: `failed`); attempts whose
   * channel is Up were answered meanwhile; channels we gave up on are hung up.
   */
  private async reconcile(): Promise<void> {
    // Only what was in flight before the list was asked for: a call placed while GET /channels
    // is on its way cannot be in the answer and must not be taken for gone (seen in the fault
    // test: the first call after a reconnect ended "channel gone").
    const attemptsBefore = [...this.attempts];
    const callsBefore = [...this.calls];
    let channels;
    try {
      channels = await this.rest.listChannels();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'reconcile: GET /channels failed');
      return;
    }
    const present = new Map(channels.map((c) => [c.id, c]));
    const at = this.now();
    const text = 'channel gone while the PBX connection was down';
    for (const [id, attempt] of attemptsBefore) {
      if (this.attempts.get(id) !== attempt) continue;
      const channel = present.get(id);
      if (!channel) this.settleAttempt(id, { kind: 'failed', outcome: 'failed', cause: { text } });
      else if (channel.state === 'Up') {
        this.adopt(id, attempt);
        this.settleAttempt(id, { kind: 'answered' });
      }
    }
    for (const [id, call] of callsBefore) {
      if (this.calls.get(id) === call && !present.has(id)) call.end(callEnd('answered', 'pbx', { text }, at));
    }
    for (const id of [...this.abandoned]) {
      this.abandoned.delete(id);
      if (present.has(id)) void this.rest.hangup(id).catch(() => undefined);
    }
    // leftovers of this instance's app that nobody tracks (e.g. an originate that timed out)
    for (const id of present.keys()) {
      if (id.startsWith(`${this.opts.appName}-`) && !id.includes(';') && !this.calls.has(id) && !this.attempts.has(id)) {
        void this.rest.hangup(id).catch(() => undefined);
      }
    }
    this.log.info({ channels: channels.length, calls: this.calls.size, attempts: this.attempts.size }, 'reconciled after reconnect');
  }
}
