import { EventEmitter } from 'node:events';
import type { AmdVerdict, Call, CallEnd, CallEvents, CollectOptions, CollectResult, OperationOptions, PlayItem, PlayResult } from '../port';

/** How long hanging up on a node that may be gone is waited for. */
const HANGUP_WAIT_MS = 5_000;

/**
 * A call on one PBX node, as the dialer hands it out. It ends cleanly when the node is declared
 * lost, whatever the driver does: `ended` resolves (by `pbx`), operations in progress resolve
 * `{ok: false, reason: 'ended'}`, and hanging up never waits on a dead node for long. A driver
 * whose connection died may never settle its own promises (ari-client's REST calls hang while
 * Asterisk is down: LIBRARIES.md), so the channel script must not depend on it.
 */
export class NodeCall extends EventEmitter implements Call {
  readonly ended: Promise<CallEnd>;
  private resolveEnded!: (end: CallEnd) => void;
  private end: CallEnd | undefined;
  private readonly onLostListener = (): void => this.onLost();

  constructor(
    private readonly inner: Call,
    /** Fires when the node is declared lost. */
    private readonly lost: AbortSignal,
    private readonly lostEnd: () => CallEnd,
    /** The node's name (call detail records). */
    readonly node?: string,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    inner.on('dtmf', (digit) => this.emit('dtmf', digit));
    void inner.ended.then((end) => this.finish(end));
    if (lost.aborted) this.onLost();
    else lost.addEventListener('abort', this.onLostListener, { once: true });
  }

  get id(): string {
    return this.inner.id;
  }

  get amd(): AmdVerdict | undefined {
    return this.inner.amd;
  }

  override on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    return super.off(event, listener);
  }

  play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    if (this.end) return Promise.resolve({ ok: false, reason: 'ended', end: this.end });
    return this.guard(this.inner.play(items, { ...opts, signal: this.signalFor(opts.signal) }), opts.signal);
  }

  collectDigits(opts: CollectOptions): Promise<CollectResult> {
    if (this.end) return Promise.resolve({ ok: false, reason: 'ended', end: this.end });
    return this.guard(this.inner.collectDigits({ ...opts, signal: this.signalFor(opts.signal) }), opts.signal);
  }

  async hangup(): Promise<void> {
    if (this.lost.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.inner.hangup().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, HANGUP_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The inner operation, or `ended` as soon as the node is lost. */
  private guard<T extends PlayResult | CollectResult>(op: Promise<T>, caller: AbortSignal | undefined): Promise<T> {
    return new Promise<T>((resolve) => {
      const onLost = (): void => {
        // An abort by the caller wins over node loss: the inner operation reports `aborted`.
        if (caller?.aborted) return;
        resolve({ ok: false, reason: 'ended', end: this.end ?? this.lostEnd() } as T);
      };
      this.lost.addEventListener('abort', onLost, { once: true });
      void op.then(
        (result) => {
          this.lost.removeEventListener('abort', onLost);
          resolve(result);
        },
        () => {
          this.lost.removeEventListener('abort', onLost);
          resolve({ ok: false, reason: 'ended', end: this.end ?? this.lostEnd() } as T);
        },
      );
    });
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.lost]) : this.lost;
  }

  private onLost(): void {
    this.finish(this.lostEnd());
    // Best effort: the node may be half alive and still able to hang the channel up.
    void this.inner.hangup().catch(() => undefined);
  }

  private finish(end: CallEnd): void {
    if (this.end) return;
    this.end = end;
    this.lost.removeEventListener('abort', this.onLostListener);
    this.resolveEnded(end);
    this.emit('ended', end);
  }
}
