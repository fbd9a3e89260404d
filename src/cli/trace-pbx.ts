import type {
  Call,
  CallEvents,
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
} from '../pbx/port';

export type TraceLine = (event: string, detail?: Record<string, unknown>) => void;

const describeItems = (items: PlayItem[]): string =>
  items.map((i) => ('prompt' in i ? i.prompt : `(${i.silenceMs} ms)`)).join(' ');

/** A Pbx decorator that reports every operation and call event (for `pbxverify call`). */
export class TracingPbx implements Pbx {
  readonly kind: string;

  constructor(
    private readonly inner: Pbx,
    private readonly trace: TraceLine,
  ) {
    this.kind = inner.kind;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  health(): PbxHealth {
    return this.inner.health();
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    this.trace('dialing', { to: req.to, lang: req.lang, callerId: req.callerId ?? null, ringTimeoutMs: req.ringTimeoutMs });
    const onRinging = req.onRinging;
    const traced: OriginateRequest = onRinging ? { ...req, onRinging: (ringing) => (this.trace('ringing', { kind: ringing.kind }), onRinging(ringing)) } : req;
    const result = await this.inner.originate(traced, opts);
    if (!result.ok) {
      this.trace('not answered', { outcome: result.end.outcome, reason: result.end.reason, cause: result.end.cause });
      return result;
    }
    this.trace('answered', { callId: result.call.id });
    if (result.call.amd) this.trace('answering-machine detection', { ...result.call.amd });
    return { ok: true, call: new TracingCall(result.call, this.trace) };
  }

  async sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    this.trace('sending message', { to: msg.to, from: msg.from, body: msg.body });
    const result = await this.inner.sendMessage(msg, opts);
    this.trace('message result', { ...result });
    return result;
  }
}

class TracingCall implements Call {
  readonly id: string;
  readonly ended: Call['ended'];
  readonly amd: Call['amd'];

  constructor(
    private readonly inner: Call,
    private readonly trace: TraceLine,
  ) {
    this.id = inner.id;
    this.ended = inner.ended;
    this.amd = inner.amd;
    inner.on('dtmf', (digit) => trace('dtmf', { digit }));
    void inner.ended.then((end) => trace('ended', { by: end.by, outcome: end.outcome, cause: end.cause }));
  }

  async play(items: PlayItem[], opts: OperationOptions & { interruptOnDtmf?: boolean }): Promise<PlayResult> {
    this.trace('play', { items: describeItems(items) });
    const result = await this.inner.play(items, opts);
    this.trace('play result', result.ok ? { ok: true, interruptedBy: result.interruptedBy ?? null } : { ok: false, reason: result.reason });
    return result;
  }

  async collectDigits(opts: CollectOptions): Promise<CollectResult> {
    this.trace('collect digits', { prompt: describeItems(opts.prompt ?? []), maxDigits: opts.maxDigits, terminator: opts.terminator ?? '#' });
    const result = await this.inner.collectDigits(opts);
    this.trace('collected', result.ok ? { digits: result.digits, endedBy: result.endedBy } : { ok: false, reason: result.reason });
    return result;
  }

  async hangup(): Promise<void> {
    this.trace('hangup');
    await this.inner.hangup();
  }

  on<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    this.inner.on(event, listener);
    return this;
  }

  off<E extends keyof CallEvents>(event: E, listener: CallEvents[E]): this {
    this.inner.off(event, listener);
    return this;
  }
}
