import type { Call, CallEvents, CollectOptions, CollectResult, InboundCall, MessageRequest, MessageResult, OperationOptions, OriginateRequest, OriginateResult, Pbx, PbxHealth, PlayItem, PlayResult } from '../../pbx/port';
import type { LiveEventBus } from './bus';

/** `<verification id>-<n>` (attemptTag in src/pbx/port.ts); QA calls of the CLI have other tags. */
function parseTag(tag: string): { verificationId: string; attempt: number } | undefined {
  const match = /^([0-9a-f]{32})-([0-9]+)$/.exec(tag);
  return match ? { verificationId: match[1] as string, attempt: Number(match[2]) } : undefined;
}

const GATE = /^gate-press-([0-9])$/;

/**
 * A Pbx decorator that reports call progress to the live bus: ringing, answered, playing (how many
 * prompts), digits typed (a count, never the digits), the anti-voicemail gate's result. It
 * changes nothing the call script sees.
 */
export class ObservedPbx implements Pbx {
  constructor(
    private readonly inner: Pbx,
    private readonly bus: LiveEventBus,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    const tag = parseTag(req.tag);
    const ringing = req.onRinging;
    const observed: OriginateRequest = tag
      ? {
          ...req,
          onRinging: (r) => {
            this.bus.publish({ ...tag, type: 'attempt.ringing' });
            ringing?.(r);
          },
        }
      : req;
    const result = await this.inner.originate(observed, opts);
    if (!tag || !result.ok) return result;
    this.bus.publish({ ...tag, type: 'attempt.answered', trunk: result.route?.trunk });
    return { ...result, call: new ObservedCall(result.call, this.bus, tag) };
  }

  sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    return this.inner.sendMessage(msg, opts);
  }

  health(): PbxHealth {
    return this.inner.health();
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  onInbound(listener: (call: InboundCall) => void): void {
    this.inner.onInbound?.(listener);
  }
}

class ObservedCall implements Call {
  private typed = 0;

  constructor(
    private readonly inner: Call,
    private readonly bus: LiveEventBus,
    private readonly tag: { verificationId: string; attempt: number },
  ) {
    inner.on('dtmf', () => {
      this.typed++;
      this.bus.publish({ ...this.tag, type: 'attempt.digits', digits: this.typed });
    });
  }

  get id(): string {
    return this.inner.id;
  }

  get node(): string | undefined {
    return this.inner.node;
  }

  /** Answering-machine verdict: the decorator must pass every optional member through. */
  get amd() {
    return this.inner.amd;
  }

  get ended() {
    return this.inner.ended;
  }

  play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    this.playing(items);
    return this.inner.play(items, opts);
  }

  async collectDigits(opts: CollectOptions): Promise<CollectResult> {
    if (opts.prompt) this.playing(opts.prompt);
    const gate = opts.prompt?.map((item) => ('prompt' in item ? GATE.exec(item.prompt)?.[1] : undefined)).find((d) => d !== undefined);
    const result = await this.inner.collectDigits(opts);
    if (gate !== undefined && result.ok) {
      this.bus.publish({ ...this.tag, type: 'attempt.gate', gate: result.digits === '' ? 'none' : result.digits === gate ? 'passed' : 'wrong' });
    }
    return result;
  }

  hangup(): Promise<void> {
    return this.inner.hangup();
  }

  on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    this.inner.on(event, listener);
    return this;
  }

  off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    this.inner.off(event, listener);
    return this;
  }

  private playing(items: PlayItem[]): void {
    const prompts = items.filter((item) => 'prompt' in item).length;
    if (prompts > 0) this.bus.publish({ ...this.tag, type: 'attempt.playing', prompts });
  }
}

/** Compiles only when `T` is `never`. */
type Nothing<T extends never> = T;
/**
 * Every member of Pbx and Call, optional ones included, is forwarded by the decorators: a member
 * added to the port and not here fails the typecheck on these lines instead of vanishing behind
 * the console.
 */
export type EveryPbxMemberForwarded = Nothing<Exclude<keyof Pbx, keyof ObservedPbx>>;
export type EveryCallMemberForwarded = Nothing<Exclude<keyof Call, keyof ObservedCall>>;
