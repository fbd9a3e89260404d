import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock';
import {
  callEnd,
  type AmdVerdict,
  type Call,
  type CallEnd,
  type CallCause,
  type CallEvents,
  type CollectOptions,
  type CollectResult,
  type OperationOptions,
  type PlayItem,
  type PlayResult,
} from '../port';
import { barrier, collectArg, collectedDigits, completedCollect, delay, endsQueue, firstDigitStops, sendQueue, WAKE, type ExecOptions, type ExecOutcome, type QueuedApp, type RunningApp } from './app-run';
import { greetingVar, playbackSegments } from './commands';
import type { EslEvent, EslLink } from './esl-link';
import { Greeting } from './greeting';
import { causeOf, endedBy, hangupInfo, type HangupInfo } from './outcomes';

export interface CallContext {
  /** The link when FreeSWITCH is connected. */
  link(): EslLink | undefined;
  /** Remembers a channel to kill once a link is back (it could not be killed now). */
  killLater(uuid: string): void;
  clock: Clock;
  logger: Logger;
  commandTimeoutMs: number;
  soundsDir: string;
}

/**
 * A FreeSWITCH channel we originated: first the dialling attempt, then (once the BACKGROUND_JOB
 * said `+OK`) an answered, parked call driven one application at a time.
 *
 * Applications are awaited one by one: an `execute` sent while another runs is nested inside it
 * (sip-answer-and-press-playback-then-pgd), except a prompt list's segments (playbackSegments),
 * sent together with `event-lock`: FreeSWITCH runs them back to back (sip-queued-*). Each is matched
 * to its CHANNEL_EXECUTE_COMPLETE by the Event-UUID we send (echoed as Application-UUID).
 */
export class FreeSwitchCall extends EventEmitter implements Call {
  readonly ended: Promise<CallEnd>;
  private resolveEnded!: (end: CallEnd) => void;
  private endValue: CallEnd | undefined;
  private hangup_: HangupInfo | undefined;
  private localHangup = false;
  /** Set when the driver itself ended the call for a reason of the PBX's (a prompt it cannot play…). */
  private pbxKill: CallCause | undefined;
  private hangingUp: Promise<void> | undefined;
  private handedOut = false;
  private readonly parked: Promise<void>;
  private resolveParked!: () => void;
  private isParked = false;
  private slot: Promise<void> = Promise.resolve();
  /** True while an application of ours runs (or is being stopped). */
  private busy = false;
  private running: RunningApp | undefined;
  /** Stop digits we injected with uuid_recv_dtmf and whose DTMF event is still to come. */
  private injected: string[] = [];
  /** The greeting started at the BACKGROUND_JOB, until the script's first operation adopts or drops it. */
  private greeting: Greeting | undefined;
  /** Set when the driver gave up on this channel (deadline, abort, lost link) before it was answered. */
  abandoned = false;
  /** CHANNEL_HANGUP seen: FreeSWITCH is done with the channel. */
  hungUp = false;
  /** The answering-machine verdict (amd.ts), set before the call is handed out. */
  amd: AmdVerdict | undefined;

  constructor(
    readonly id: string,
    readonly lang: string,
    private readonly ctx: CallContext,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.parked = new Promise((resolve) => (this.resolveParked = resolve));
    void this.parked.then(() => (this.isParked = true));
  }

  override on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.off(event, listener);
  }

  /** How the channel ended before answering, when it did (CHANNEL_HANGUP of the A leg). */
  get hangupCause(): HangupInfo | undefined {
    return this.hangup_;
  }

  get isOver(): boolean {
    return this.endValue !== undefined;
  }

  /** Called by the driver when originate reported `+OK`: from now on the call belongs to a script. */
  handOut(): void {
    this.handedOut = true;
    // The CHANNEL_HANGUP may have come before the BACKGROUND_JOB (a callee that answers and hangs up at once).
    if (this.hangup_ && !this.endValue) this.finish();
  }

  /** Events of this channel (filtered on Unique-ID by FreeSWITCH and again by the driver). */
  handle(name: string, event: EslEvent): void {
    switch (name) {
      case 'CHANNEL_ANSWER':
        // A message wakes the channel's thread: originate, &park() and the first prompt start up to 20 ms sooner (docs/benchmarks.md).
        if (!this.handedOut && !this.abandoned) void this.ctx.link()?.send(`sendmsg ${this.id}`, WAKE);
        return;
      case 'CHANNEL_PARK':
        return this.resolveParked();
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const app = this.running;
        const id = event['Application-UUID'];
        // the last of a queue ends the run; an earlier one only when it failed or the call hung up
        if (app && id !== undefined && (id === app.appId || (app.queued?.includes(id) && endsQueue(event)))) app.complete(event);
        return;
      }
      case 'DTMF':
        return this.onDtmf(event);
      case 'CHANNEL_HANGUP': {
        this.hungUp = true;
        const info = hangupInfo(event);
        if (info) this.hangup_ = info;
        if (this.handedOut) this.finish();
        return;
      }
    }
  }

  /** The link carrying this call is gone: the call cannot be driven any more and counts as ended by the PBX. */
  lost(reason: string): void {
    this.abandoned = true;
    if (!this.endValue) {
      this.ctx.killLater(this.id);
      if (this.handedOut) this.finish('pbx', { text: `control connection lost: ${reason}` });
    }
  }

  /**
   * Follows the greeting (OriginateRequest.greeting) that the originate's inline dialplan plays
   * before `park` (commands.ts originateCommand), from the BACKGROUND_JOB on. Stopped by silencing
   * the segments still to come (their `playback` reads a channel variable) and breaking the one playing.
   */
  startGreeting(items: readonly PlayItem[], queue: QueuedApp[]): void {
    const rest = queue.slice(1).map((_, k) => `${greetingVar(k + 1)}=silence_stream://1`);
    const stop = async (link: EslLink): Promise<unknown> => {
      if (rest.length > 0) await link.api(`uuid_setvar_multi ${this.id} ${rest.join(';')}`);
      return link.api(`uuid_break ${this.id}`);
    };
    this.greeting = new Greeting(items, (o) => this.execute('playback', [], { ...o, inline: queue, stop }));
  }

  /** The greeting for the script's first operation (handed over when it plays the same items, stopped otherwise); undefined from then on. */
  private takeGreeting(items?: readonly PlayItem[]): Greeting | undefined {
    const greeting = this.greeting;
    this.greeting = undefined;
    return greeting?.handOver(items);
  }

  async play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    const rule = opts.interruptOnDtmf ? firstDigitStops() : undefined;
    const greeting = this.takeGreeting(items);
    const outcome = greeting
      ? await greeting.adopt(opts, rule?.onDigit)
      : await this.execute('playback', playbackSegments(items, this.lang, this.ctx.soundsDir), {
          timeoutMs: opts.timeoutMs,
          signal: opts.signal,
          ...(rule ? { onDigit: rule.onDigit } : {}),
          stop: (link) => this.breakAll(link),
        });
    const interruptedBy = rule?.digit;
    switch (outcome.kind) {
      case 'ended':
        return { ok: false, reason: 'ended', end: await this.ended };
      case 'timeout':
      case 'aborted':
        return { ok: false, reason: outcome.kind };
      case 'interrupted':
        return interruptedBy === undefined ? { ok: true } : { ok: true, interruptedBy };
      case 'complete': {
        const response = outcome.event['Application-Response'] ?? '';
        if (response === 'FILE NOT FOUND' || (response === 'PLAYBACK ERROR' && outcome.event['Answer-State'] !== 'hangup')) {
          // A sound pack missing on the FreeSWITCH host: nothing was heard, the call is useless.
          this.ctx.logger.error({ callId: this.id, response }, 'freeswitch could not play a prompt: are the sound packs installed?');
          await this.killNow('pbx', { text: `playback: ${response}` });
          return { ok: false, reason: 'ended', end: await this.ended };
        }
        if (outcome.event['Answer-State'] === 'hangup') return { ok: false, reason: 'ended', end: await this.endedSoon() };
        return interruptedBy === undefined ? { ok: true } : { ok: true, interruptedBy };
      }
    }
  }

  async collectDigits(opts: CollectOptions): Promise<CollectResult> {
    this.takeGreeting();
    const terminator = opts.terminator ?? '#';
    const arg = collectArg(opts, terminator, this.lang, this.ctx.soundsDir);
    const outcome = await this.execute('play_and_get_digits', arg, {
      timeoutMs: opts.totalTimeoutMs,
      signal: opts.signal,
      // uuid_break does not end play_and_get_digits once its prompt is over (it keeps collecting);
      // a terminator received "from the line" does, at any point (probed on FreeSWITCH 1.10.12).
      stop: (link) => {
        this.injected.push(terminator);
        return link.api(`uuid_recv_dtmf ${this.id} ${terminator}`);
      },
    });
    switch (outcome.kind) {
      case 'ended':
        return { ok: false, reason: 'ended', end: await this.ended };
      case 'aborted':
        return { ok: false, reason: 'aborted' };
      case 'timeout':
      case 'interrupted':
        return { ok: true, digits: collectedDigits(outcome.event, outcome.digits, terminator), endedBy: 'timeout' };
      case 'complete': {
        if (outcome.event['Answer-State'] === 'hangup') return { ok: false, reason: 'ended', end: await this.endedSoon() };
        if (outcome.event.variable_read_result === undefined) {
          // switch_ivr_read sets read_result on every read it finishes; none means the prompt
          // could not be played (a missing file): the callee heard nothing (probed on 1.10.12).
          this.ctx.logger.error({ callId: this.id }, 'freeswitch could not play the collect prompt: are the sound packs installed?');
          await this.killNow('pbx', { text: 'play_and_get_digits: prompt not played' });
          return { ok: false, reason: 'ended', end: await this.ended };
        }
        return completedCollect(outcome.event, outcome.digits, terminator, opts.maxDigits);
      }
    }
  }

  hangup(): Promise<void> {
    if (this.endValue) return Promise.resolve();
    this.hangingUp ??= this.killNow('local', { text: 'NORMAL_CLEARING', q850: 16 });
    return this.hangingUp;
  }

  /** Ends the channel now (uuid_kill) and waits briefly for FreeSWITCH to confirm. */
  private async killNow(by: CallEnd['by'], fallback: { text: string; q850?: number }): Promise<void> {
    if (by === 'local') this.localHangup = true;
    else this.pbxKill ??= fallback;
    const link = this.ctx.link();
    if (!link) {
      this.ctx.killLater(this.id);
      return this.finish(by, fallback);
    }
    const reply = await link.api(`uuid_kill ${this.id} NORMAL_CLEARING`);
    if (!reply.ok && reply.failure === 'error') return this.finish(by, fallback); // -ERR No such channel!: already gone
    if (!reply.ok) this.ctx.killLater(this.id);
    await this.endedSoon();
    this.finish(by, fallback);
  }

  /** Waits up to one command deadline for the channel's hang-up events. */
  private endedSoon(): Promise<CallEnd> {
    if (this.endValue) return Promise.resolve(this.endValue);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish(this.localHangup ? 'local' : 'pbx', this.hangup_ ? causeOf(this.hangup_) : { text: 'hang-up not confirmed' });
        resolve(this.endValue as CallEnd);
      }, this.ctx.commandTimeoutMs);
      void this.ended.then((end) => {
        clearTimeout(timer);
        resolve(end);
      });
    });
  }

  private finish(by?: CallEnd['by'], cause?: CallCause): void {
    if (this.endValue) return;
    const who = this.localHangup ? 'local' : this.pbxKill ? 'pbx' : (by ?? endedBy(this.hangup_));
    // Our own kill for a PBX reason: that reason, not the NORMAL_CLEARING our uuid_kill caused.
    const raw = this.pbxKill ?? (this.hangup_ ? causeOf(this.hangup_) : (cause ?? { text: 'unknown' }));
    const end = callEnd('answered', who, raw, this.ctx.clock.now());
    this.endValue = end;
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  private onDtmf(event: EslEvent): void {
    const digit = event['DTMF-Digit'];
    if (digit === undefined || !/^[0-9A-D*#]$/.test(digit)) return;
    if (event['DTMF-Source'] === 'APP' && this.injected[0] === digit) {
      this.injected.shift();
      return;
    }
    const app = this.running;
    if (app?.started) {
      app.digits.push(digit);
      app.onDigit?.(digit);
    }
    if (this.handedOut && !this.endValue) this.emit('dtmf', digit);
  }

  /**
   * Runs one application and waits for its CHANNEL_EXECUTE_COMPLETE, the call's end, the
   * deadline or the signal. Whatever stops it early, the application is stopped and its
   * completion awaited before the next one may start.
   */
  private async execute(app: string, args: string | string[], o: ExecOptions): Promise<ExecOutcome> {
    const previous = this.busy ? this.slot : undefined;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.slot = mine;
    this.busy = true;
    const stopper = new AbortController();
    const timer = setTimeout(() => stopper.abort('timeout'), o.timeoutMs);
    const onAbort = (): void => stopper.abort(o.signal?.reason === 'timeout' ? 'timeout' : 'aborted');
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    const stopped = new Promise<'stopped'>((resolve) => stopper.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
    const ended = this.ended.then(() => 'ended' as const);
    let running: RunningApp | undefined;
    try {
      // The previous application always settles: on completion, on the call's end, or after its stop.
      if (previous && ((await Promise.race([previous.then(() => 'ready' as const), ended, stopped])) !== 'ready' || this.endValue)) {
        return this.endValue ? { kind: 'ended' } : { kind: stopper.signal.reason as 'timeout' | 'aborted', digits: [] };
      }
      if (!this.isParked && !o.inline) {
        // The first application waits for &park() to take the channel (the BACKGROUND_JOB may come first).
        const parkWait = delay(this.ctx.commandTimeoutMs);
        await Promise.race([this.parked, ended, stopped, parkWait.promise]);
        parkWait.cancel();
      }
      if (this.endValue) return { kind: 'ended' };
      if (stopper.signal.aborted) return { kind: stopper.signal.reason as 'timeout' | 'aborted', digits: [] };
      const link = this.ctx.link();
      if (!link) return this.lostOutcome();

      const queue = o.inline ?? (Array.isArray(args) ? args : [args]).map((arg) => ({ arg, id: randomUUID() }));
      let complete!: (event: EslEvent) => void;
      const completed = new Promise<EslEvent>((resolve) => (complete = resolve));
      running = { appId: (queue[queue.length - 1] as { id: string }).id, started: false, digits: [], complete };
      if (queue.length > 1) running.queued = queue.map((q) => q.id);
      const interrupt = (): void => stopper.abort('interrupted');
      const onDigit = o.onDigit;
      if (onDigit) running.onDigit = (digit) => onDigit(digit, interrupt);
      this.running = running;
      // Digits count from the moment we ask: the reply and the first DTMF events can arrive in
      // one read, handled before this function resumes.
      running.started = true;
      const sent = o.inline ? { ok: true as const, text: '' } : await sendQueue(link, this.id, app, queue);
      if (!sent.ok) {
        // `-ERR invalid session id`: the channel is gone and its hang-up events are on their way.
        if (sent.failure !== 'error') return this.lostOutcome();
        await this.endedSoon();
        return { kind: 'ended' };
      }
      const first = await Promise.race([completed.then((event) => ({ event })), ended, stopped]);
      if (first === 'ended') return { kind: 'ended' };
      if (first !== 'stopped') return { kind: 'complete', event: first.event, digits: running.digits };

      const why = stopper.signal.reason as 'timeout' | 'aborted' | 'interrupted';
      await o.stop(link);
      if (running.queued && !o.inline) await barrier(link, this.id, running); // inline segments end in park by themselves
      const stuck = delay(this.ctx.commandTimeoutMs);
      const after = await Promise.race([completed.then((event) => ({ event })), ended, stuck.promise.then(() => 'stuck' as const)]);
      stuck.cancel();
      if (after === 'ended') return { kind: 'ended' };
      if (after === 'stuck') {
        // An application that ignores its stop would have the next one nested inside it.
        this.ctx.logger.warn({ callId: this.id, app }, 'application did not stop; hanging up');
        await this.killNow('pbx', { text: `${app} did not stop` });
        return { kind: why, digits: running.digits };
      }
      if (after.event['Answer-State'] === 'hangup') {
        await this.endedSoon();
        return { kind: 'ended' };
      }
      return { kind: why, event: after.event, digits: running.digits };
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (running && this.running === running) this.running = undefined;
      if (this.slot === mine) this.busy = false;
      release();
    }
  }

  /** Runs one application to its end (answering-machine detection, amd.ts); stopped with uuid_break. */
  runApp(app: string, arg: string, opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<ExecOutcome> {
    this.takeGreeting();
    return this.execute(app, arg, { ...opts, stop: (link) => this.breakAll(link) });
  }

  /** uuid_break stops playback (Playback-Status: break, Application-Response: FILE PLAYED); `all` also drops the segments still queued (sip-queued-break-all). */
  private breakAll(link: EslLink): Promise<unknown> {
    return link.api(`uuid_break ${this.id} all`);
  }

  private lostOutcome(): ExecOutcome {
    if (!this.endValue) this.lost('not connected');
    return { kind: 'ended' };
  }
}
