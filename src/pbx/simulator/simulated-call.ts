import { EventEmitter } from 'node:events';
import type { Clock } from '../../lib/clock';
import { collectDigits } from '../collect';
import {
  callEnd,
  type AmdVerdict,
  type Call,
  type CallEnd,
  type CallEvents,
  type CollectOptions,
  type CollectResult,
  type OperationOptions,
  type PlayItem,
  type PlayResult,
} from '../port';
import type { CalleeBehaviour } from './behaviours';

/** One line of a simulated call's log (what QA sees and what `--record` renders). */
export type SimCallEvent =
  | { t: number; type: 'dial'; behaviour: string }
  | { t: number; type: 'ringing' }
  | { t: number; type: 'answered' }
  /** Answering-machine detection's verdict (the originate request asked for it). */
  | { t: number; type: 'amd'; result: string; beep?: boolean }
  | { t: number; type: 'failed'; outcome: string }
  /** `heardMs`: for an item cut short (barge-in, hang-up, deadline), how much of it played. */
  | { t: number; type: 'play'; item: PlayItem; completed: boolean; heardMs?: number }
  | { t: number; type: 'dtmf'; digit: string }
  | { t: number; type: 'ended'; by: CallEnd['by'] };

export interface SimCallLog {
  id: string;
  /** The originate request's tag: whose attempt this call was (the QA views are scoped by it). */
  tag: string;
  to: string;
  lang: string;
  behaviour: string;
  startedAt: number;
  events: SimCallEvent[];
  /** The trunk the call was placed on, the dial string a PBX would have used, the caller ID presented. */
  trunk?: string;
  dial?: string;
  callerId?: string;
  /** Our side gave up the dial (a flash call's hang-up on ringing, a cancel), engine time. */
  hungUpAt?: number;
}

export interface SimEnv {
  clock: Clock;
  /** Real-time delay for a simulated duration (speed factor applied). */
  scaled(ms: number): number;
  /** Simulated duration of a real-time span (the inverse of `scaled`). */
  unscaled(realMs: number): number;
  durationMs(lang: string, promptId: string): number;
  /** The code the simulated user sees on the website for this call (its verification, else its number), if any. */
  screen(to: string, tag: string): string | undefined;
}

/** An answered simulated call. The callee's reactions are scheduled from what it hears. */
export class SimulatedCall extends EventEmitter implements Call {
  readonly ended: Promise<CallEnd>;
  private resolveEnded!: (end: CallEnd) => void;
  private over = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set by the simulator before the call is handed out, when detection was asked for. */
  amd: AmdVerdict | undefined;

  constructor(
    readonly id: string,
    readonly log: SimCallLog,
    private readonly behaviour: CalleeBehaviour,
    private readonly env: SimEnv,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (behaviour.listener === 'hangup-during-prompt') this.after(1200, () => this.end('remote'));
  }

  override on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.off(event, listener);
  }

  async play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    const stop = new AbortController();
    const timer = this.after(opts.timeoutMs, () => stop.abort('timeout'));
    const onAbort = (): void => stop.abort('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let interruptedBy: string | undefined;
    const onDigit = (digit: string): void => {
      if (!opts.interruptOnDtmf) return;
      interruptedBy = digit;
      stop.abort('digit');
    };
    this.on('dtmf', onDigit);
    try {
      const result = await this.playItems(items, stop.signal);
      if (result !== 'done' && result !== 'stopped') return result;
      if (stop.signal.reason === 'digit') return interruptedBy === undefined ? { ok: true } : { ok: true, interruptedBy };
      if (stop.signal.reason === 'timeout') return { ok: false, reason: 'timeout' };
      if (stop.signal.reason === 'aborted') return { ok: false, reason: 'aborted' };
      return { ok: true };
    } finally {
      clearTimeout(timer);
      this.timers.delete(timer);
      this.off('dtmf', onDigit);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  collectDigits(opts: CollectOptions): Promise<CollectResult> {
    this.reactToCollect(opts.prompt ?? []);
    return collectDigits(opts, {
      play: async (items, signal) => {
        const result = await this.playItems(items, signal);
        if (result === 'done') return { ok: true };
        if (result === 'stopped') return { ok: false, reason: 'aborted' };
        return result;
      },
      onDtmf: (listener) => {
        this.on('dtmf', listener);
        return () => this.off('dtmf', listener);
      },
      ended: this.ended,
      setTimer: (fn, ms) => {
        const t = this.after(ms, fn);
        return () => {
          clearTimeout(t);
          this.timers.delete(t);
        };
      },
    });
  }

  async hangup(): Promise<void> {
    this.end('local');
  }

  /** Ends the call (idempotent). */
  end(by: CallEnd['by']): void {
    if (this.over) return;
    this.over = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.record({ type: 'ended', by });
    const end = callEnd('answered', by, { q850: 16, text: 'NORMAL_CLEARING' }, this.env.clock.now());
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  private async playItems(items: PlayItem[], signal: AbortSignal): Promise<'done' | 'stopped' | PlayResult> {
    for (const item of items) {
      if (this.over) return { ok: false, reason: 'ended', end: await this.ended };
      if (signal.aborted) return 'stopped';
      const ms = 'prompt' in item ? this.env.durationMs(this.log.lang, item.prompt) : item.silenceMs;
      const started = performance.now();
      const outcome = await this.wait(ms, signal);
      if (outcome === 'elapsed') this.record({ type: 'play', item, completed: true });
      else this.record({ type: 'play', item, completed: false, heardMs: Math.min(ms, Math.round(this.env.unscaled(performance.now() - started))) });
      if (outcome === 'ended') return { ok: false, reason: 'ended', end: await this.ended };
      if (outcome === 'stopped') return 'stopped';
    }
    return 'done';
  }

  /** Waits a simulated duration; tells what cut it short. */
  private wait(ms: number, signal: AbortSignal): Promise<'elapsed' | 'stopped' | 'ended'> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve('stopped');
      const onEnd = (): void => {
        cleanup();
        resolve('ended');
      };
      const onStop = (): void => {
        cleanup();
        resolve('stopped');
      };
      const timer = this.after(ms, () => {
        cleanup();
        resolve('elapsed');
      });
      const cleanup = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.off('ended', onEnd);
        signal.removeEventListener('abort', onStop);
      };
      this.once('ended', onEnd);
      signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /** The callee hears the collection prompt and decides what to press, and when. */
  private reactToCollect(prompt: PlayItem[]): void {
    const ids = prompt.flatMap((item) => ('prompt' in item ? [item.prompt] : []));
    const promptMs = prompt.reduce((sum, item) => sum + ('prompt' in item ? this.env.durationMs(this.log.lang, item.prompt) : item.silenceMs), 0);
    const gate = ids.find((id) => id.startsWith('gate-press-'));
    const listener = this.behaviour.listener;
    if (listener === 'silent' || listener === 'hangup-during-prompt') return;
    if (gate) {
      const asked = gate.slice(-1);
      const pressed = listener === 'gate-wrong' ? String((Number(asked) + 1) % 10) : asked;
      this.press([pressed], promptMs + 400, 0);
      return;
    }
    if (ids.includes('enter-code')) {
      const shown = this.env.screen(this.log.to, this.log.tag) ?? '0000';
      const typed = listener === 'wrong-code' ? [...shown].map((d) => String((Number(d) + 1) % 10)).join('') : shown;
      this.press([...typed, '#'], promptMs + 500, 300);
    }
  }

  private press(digits: string[], startMs: number, spacingMs: number): void {
    digits.forEach((digit, i) => {
      this.after(startMs + i * spacingMs, () => {
        if (this.over) return;
        this.record({ type: 'dtmf', digit });
        this.emit('dtmf', digit);
      });
    });
  }

  /** Runs `fn` after a simulated duration (every duration here is simulated: the speed factor applies). */
  private after(simMs: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.env.scaled(simMs));
    this.timers.add(timer);
    return timer;
  }

  private record(event: Omit<SimCallEvent, 't'> & Record<string, unknown>): void {
    this.log.events.push({ t: this.env.clock.now(), ...event } as SimCallEvent);
  }
}
