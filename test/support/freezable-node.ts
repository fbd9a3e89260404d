import type {
  Call,
  CollectOptions,
  CollectResult,
  MessageRequest,
  MessageResult,
  OperationOptions,
  OriginateRequest,
  OriginateResult,
  Pbx,
  PbxHealth,
  PlayItem,
  PlayResult,
} from '../../src/pbx/port';

/**
 * Fault injection for dialer tests: a real PBX node (the simulator) that can be "frozen" the way
 * a driver whose connection died behaves (measured with ari-client: REST calls made while
 * Asterisk is down never settle, LIBRARIES.md). While frozen, health says not ready and every
 * operation started from then on (and every one already waiting) never settles. Nothing else
 * is changed: unfrozen, every call goes straight to the real node.
 */
export class FreezablePbx implements Pbx {
  readonly kind: string;
  private frozen = false;
  private readonly never = new Promise<never>(() => undefined);

  constructor(readonly inner: Pbx) {
    this.kind = inner.kind;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
  }

  health(): PbxHealth {
    return this.frozen ? { ready: false, detail: 'connection lost (frozen by test)' } : this.inner.health();
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    if (this.frozen) return this.never;
    return this.hold(this.inner.originate(req, opts).then((r) => (r.ok ? { ok: true as const, call: this.wrap(r.call) } : r)));
  }

  sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    if (this.frozen) return this.never;
    return this.hold(this.inner.sendMessage(msg, opts));
  }

  /** Results that arrive after the freeze are never delivered. */
  private hold<T>(op: Promise<T>): Promise<T> {
    return op.then((value) => (this.frozen ? this.never : value));
  }

  private wrap(call: Call): Call {
    const isFrozen = (): boolean => this.frozen;
    const never = this.never;
    const hold = <T>(op: Promise<T>): Promise<T> => this.hold(op);
    const frozenCall: Call = {
      get id() {
        return call.id;
      },
      // A dead driver never learns that its calls ended.
      ended: call.ended.then((end) => (isFrozen() ? never : end)),
      play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
        return isFrozen() ? never : hold(call.play(items, opts));
      },
      collectDigits(opts: CollectOptions): Promise<CollectResult> {
        return isFrozen() ? never : hold(call.collectDigits(opts));
      },
      hangup(): Promise<void> {
        return isFrozen() ? never : call.hangup();
      },
      on(event, listener) {
        call.on(event, listener);
        return frozenCall;
      },
      off(event, listener) {
        call.off(event, listener);
        return frozenCall;
      },
    };
    return frozenCall;
  }
}
