import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { collectDigits } from '../collect';
import {
  callEnd,
  type AmdVerdict,
  type Call,
  type CallEnd,
  type CallEvents,
  type CallStop,
  type CollectOptions,
  type CollectResult,
  type OperationOptions,
  type PlayItem,
  type PlayResult,
} from '../port';
import type { AriRest } from './ari-rest';
import { deadline } from './deadline';
import { mediaFor } from './media';
import { answeredCause } from './outcome';
import type { AriEvent } from './wire';

export interface AriCallDeps {
  rest: AriRest;
  logger: Logger;
  lang: string;
  /** Deadline for the small REST calls a call makes (stop playback, hang up). */
  restTimeoutMs: number;
  newId(): string;
  now(): number;
}

/** How long a playback that ended "failed" waits for the hang-up that usually explains it. */
const FAILED_PLAYBACK_GRACE_MS = 1500;

/**
 * An answered ARI channel in our Stasis app. The driver feeds it its events ({@link handle});
 * it turns them into the port's call events, playbacks and digit collection.
 */
export class AriCall extends EventEmitter implements Call {
  readonly ended: Promise<CallEnd>;
  private resolveEnded!: (end: CallEnd) => void;
  private over: CallEnd | undefined;
  private weHungUp = false;
  private softHangup = false;
  private readonly playbacks = new Map<string, (state: string) => void>();
  /**
   * Digits that came before anyone listened. ws emits every frame of a TCP read in one go, so a
   * digit pressed right after answering can be dispatched before originate()'s caller had a
   * chance to subscribe; the first 'dtmf' listener receives them.
   */
  private early: string[] | undefined = [];
  /** The answering-machine verdict (set by the driver before the call is handed out). */
  amd: AmdVerdict | undefined;
  /** Called with the arguments of a StasisStart of this channel after the first (its return from the dialplan). */
  onReentry: ((args: string[]) => void) | undefined;

  constructor(
    readonly id: string,
    private readonly deps: AriCallDeps,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  override on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    super.on(event, listener);
    if (event === 'dtmf' && this.early) {
      const early = this.early;
      this.early = undefined;
      if (early.length > 0) queueMicrotask(() => early.forEach((digit) => this.emit('dtmf', digit)));
    }
    return this;
  }

  override off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.off(event, listener);
  }

  get isOver(): boolean {
    return this.over !== undefined;
  }

  /** One event about this channel or one of its playbacks. */
  handle(ev: AriEvent): void {
    switch (ev.type) {
      case 'ChannelDtmfReceived':
        if (ev.channel.id !== this.id || this.over) break;
        if (this.early && this.early.length < 32) this.early.push(ev.digit);
        else this.emit('dtmf', ev.digit);
        break;
      case 'PlaybackFinished':
        this.playbacks.get(ev.playback.id)?.(ev.playback.state);
        break;
      case 'StasisStart':
        if (ev.channel.id === this.id) this.onReentry?.(ev.args ?? []);
        break;
      case 'ChannelHangupRequest':
        // soft: the hang-up came from inside Asterisk (cause 32 = through ARI), not from the far end
        if (ev.channel.id === this.id && ev.soft) this.softHangup = true;
        break;
      case 'ChannelDestroyed':
        if (ev.channel.id === this.id) {
          // remote BYE: no cause on the hang-up request and often 0 on ChannelDestroyed
          // (test/fixtures/ari/cases/pjsip-sipp-answer-dtmf.json)
          const by = this.weHungUp ? 'local' : this.softHangup ? 'pbx' : 'remote';
          this.end(callEnd('answered', by, answeredCause(ev), this.deps.now()));
        }
        break;
      default:
        break;
    }
  }

  /** Ends the call (idempotent): from ChannelDestroyed, reconciliation or a lost PBX. */
  end(end: CallEnd): void {
    if (this.over) return;
    this.over = end;
    for (const settle of this.playbacks.values()) settle('call-ended');
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  async play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    if (this.over) return { ok: false, reason: 'ended', end: this.over };
    if (opts.signal?.aborted) return { ok: false, reason: 'aborted' };
    const media = mediaFor(items, this.deps.lang);
    if (media.length === 0) return { ok: true };
    const playbackId = this.deps.newId();
    const limit = deadline(opts.timeoutMs, opts.signal);
    const stopSignal = limit.signal;

    type Outcome = { kind: 'finished'; state: string } | { kind: 'digit'; digit: string } | { kind: 'stopped' } | { kind: 'ended' };
    let cleanup = (): void => undefined;
    const outcome = new Promise<Outcome>((resolve) => {
      this.playbacks.set(playbackId, (state) => resolve({ kind: 'finished', state }));
      const onDigit = (digit: string): void => resolve({ kind: 'digit', digit });
      const onStop = (): void => resolve({ kind: 'stopped' });
      if (opts.interruptOnDtmf) this.on('dtmf', onDigit);
      stopSignal.addEventListener('abort', onStop, { once: true });
      void this.ended.then(() => resolve({ kind: 'ended' }));
      cleanup = () => {
        this.playbacks.delete(playbackId);
        this.off('dtmf', onDigit);
        stopSignal.removeEventListener('abort', onStop);
      };
    });

    // The request is not aborted with the stop signal (that would cost a connection and may
    // leave a playback running); a stop waits for it to be answered, then stops the playback.
    const requested: Promise<unknown> = this.deps.rest.play(this.id, media, playbackId, { timeoutMs: Math.min(opts.timeoutMs, this.deps.restTimeoutMs) }).catch((err: unknown) => {
      // 404: the channel is gone and ChannelDestroyed is on its way; anything else: the
      // deadline, the signal or the end of the call decides (outcome below)
      this.deps.logger.debug({ err: (err as Error).message }, 'play request failed');
    });

    try {
      const result = await outcome;
      switch (result.kind) {
        case 'ended':
          return this.endedStop();
        case 'digit':
          this.stopPlayback(playbackId, requested);
          return { ok: true, interruptedBy: result.digit };
        case 'stopped':
          this.stopPlayback(playbackId, requested);
          return opts.signal?.aborted ? { ok: false, reason: 'aborted' } : { ok: false, reason: 'timeout' };
        case 'finished':
          if (result.state === 'call-ended') return this.endedStop();
          if (result.state === 'failed') {
            // a playback cut by a hang-up ends "failed" just before ChannelDestroyed
            // (test/fixtures/ari/cases/answer-and-hangup.json)
            const ended = await endedWithin(this.ended, FAILED_PLAYBACK_GRACE_MS);
            if (ended) return { ok: false, reason: 'ended', end: ended };
            this.deps.logger.warn({ media: media.length }, 'playback failed (missing sound file?)');
          }
          return { ok: true };
      }
    } finally {
      cleanup();
      limit.done();
    }
  }

  collectDigits(opts: CollectOptions): Promise<CollectResult> {
    // DTMF does not stop an ARI playback by itself (answer-and-press): collect.ts stops it
    return collectDigits(opts, {
      play: (items, signal) => this.play(items, { timeoutMs: opts.totalTimeoutMs, signal }),
      onDtmf: (listener) => {
        this.on('dtmf', listener);
        return () => this.off('dtmf', listener);
      },
      ended: this.ended,
      setTimer: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    });
  }

  async hangup(): Promise<void> {
    if (this.over) return;
    this.weHungUp = true;
    try {
      await this.deps.rest.hangup(this.id, { timeoutMs: this.deps.restTimeoutMs });
    } catch (err) {
      // "Channel not found" means it is already gone: not an error (rest-errors.wire.json)
      this.deps.logger.debug({ err: (err as Error).message }, 'hangup request failed');
    }
    const ended = await endedWithin(this.ended, this.deps.restTimeoutMs);
    if (!ended) this.end(callEnd('answered', 'local', { text: 'hung up; no ChannelDestroyed seen' }, this.deps.now()));
  }

  private endedStop(): CallStop {
    return { ok: false, reason: 'ended', end: this.over as CallEnd };
  }

  private stopPlayback(playbackId: string, requested: Promise<unknown>): void {
    void requested.then(() => {
      if (this.over) return;
      // 404 "Playback not found": it had finished meanwhile (rest-errors.wire.json)
      this.deps.rest.stopPlayback(playbackId, { timeoutMs: this.deps.restTimeoutMs }).catch((err: unknown) => {
        this.deps.logger.debug({ err: (err as Error).message }, 'stop playback failed');
      });
    });
  }
}

/** The call's end if it comes within `ms`, else undefined (the timer is cleared either way). */
async function endedWithin(ended: Promise<CallEnd>, ms: number): Promise<CallEnd | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([ended, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
