import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock';
import { maskNumber } from '../../lib/mask';
import {
  callEnd,
  type Call,
  type CallEnd,
  type MessageRequest,
  type MessageResult,
  type OperationOptions,
  type InboundCall,
  type OriginateRequest,
  type OriginateResult,
  type Pbx,
  type PbxHealth,
} from '../port';
import { DialQueue, type Grant } from './dial-queue';
import { NodeCall } from './node-call';
import { PbxNode, type NodeSpec } from './pbx-node';
import { TrunkLimiter, type TrunkLimits } from './trunk-limiter';

export interface DialerOptions {
  nodes: NodeSpec[];
  clock: Clock;
  logger: Logger;
  /** Limits of trunks not listed in `trunks`, and of calls without a trunk. */
  defaultLimits: TrunkLimits;
  trunks?: Readonly<Record<string, TrunkLimits>>;
  /** Requests that may wait for a slot at once; more are refused (`dialer queue full`). */
  queueMaxLength: number;
  /** Longest wait for a slot (`dialer queue timeout`); the originate deadline caps it too. */
  queueTimeoutMs: number;
  healthCheckMs: number;
  /** Failed health checks in a row before a node is declared down. */
  downAfterChecks: number;
}

/** What a router may add to a dial: the nodes that reach its trunk, and how long to wait for a slot. */
export interface DialOptions extends OperationOptions {
  /** Only these nodes (by name) may carry the call; every node when absent. */
  nodes?: ReadonlySet<string> | undefined;
  /** Longest wait for a slot; `queueTimeoutMs` when absent (0: go now or be refused, to fail over at once). */
  queueWaitMs?: number | undefined;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const TRUNK = /^[A-Za-z0-9_.-]{1,64}$/;
const DEFAULT_TRUNK = '(default)';

/**
 * The dialer: a Pbx in front of one or more PBX nodes (one driver each). It keeps each trunk
 * within its carrier's calls-per-second and concurrent-call limits, queues what cannot go yet
 * (bounded, with a deadline), spreads calls over the nodes that are up (fewest calls first),
 * and fails over: a node that stops answering its health checks is taken out, the calls on it
 * end cleanly (`ended` by `pbx`, so the channel script reports and the workflow goes on), and a
 * dial that failed because its node went down is tried again on another node.
 *
 * Limits are counted per dialer, i.e. per engine instance: with several engines give each its
 * share of the carrier's limits (docs/scale-out.md).
 */
export class DialerPbx implements Pbx {
  readonly kind: string;
  private readonly nodes: PbxNode[];
  private readonly queue: DialQueue;
  private readonly limiters = new Map<string, TrunkLimiter>();
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(private opts: DialerOptions) {
    if (opts.nodes.length === 0) throw new RangeError('dialer: at least one PBX node');
    this.kind = opts.nodes[0]?.pbx.kind ?? 'dialer';
    this.nodes = opts.nodes.map((spec) => new PbxNode(spec, opts.logger, opts.downAfterChecks));
    this.queue = new DialQueue(this.nodes, opts.queueMaxLength);
  }

  /** The nodes' names (`simulator`, `ari://host:8088`), as trunks' `nodes:` name them. */
  get nodeNames(): readonly string[] {
    return this.nodes.map((node) => node.name);
  }

  /** The drivers behind the dialer (QA tools look for the simulator here). */
  get members(): readonly Pbx[] {
    return this.nodes.map((node) => node.pbx);
  }

  async start(): Promise<void> {
    const started = await Promise.all(this.nodes.map((node) => node.start()));
    if (!started.some(Boolean)) {
      throw new Error(`no PBX node could start: ${this.nodes.map((node) => node.describe()).join('; ')}`);
    }
    this.healthTimer = setInterval(() => this.checkNodes(), this.opts.healthCheckMs);
    this.healthTimer.unref();
    this.queue.pump();
  }

  async stop(): Promise<void> {
    clearInterval(this.healthTimer);
    this.queue.stop();
    await Promise.allSettled(this.nodes.map((node) => node.stop()));
  }

  health(): PbxHealth {
    const up = this.nodes.filter((node) => node.isUp).length;
    const detail =
      this.nodes.length === 1
        ? (this.nodes[0] as PbxNode).pbx.health().detail
        : `${up}/${this.nodes.length} nodes up; ${this.nodes.map((node) => node.describe()).join('; ')}`;
    return { ready: up > 0, detail: this.queue.length > 0 ? `${detail}; ${this.queue.length} waiting` : detail };
  }

  async originate(req: OriginateRequest, opts: DialOptions): Promise<OriginateResult> {
    if (!E164.test(req.to)) throw new RangeError('originate: `to` must be E.164');
    if (req.trunk !== undefined && !TRUNK.test(req.trunk)) throw new RangeError('originate: bad trunk name');
    const limiter = this.limiterFor(req.trunk);
    const deadline = performance.now() + opts.timeoutMs;
    // Nodes that do not reach the trunk count as already tried.
    const tried = new Set<PbxNode>(opts.nodes ? this.nodes.filter((node) => !opts.nodes?.has(node.name)) : []);
    const queueWaitMs = opts.queueWaitMs ?? this.opts.queueTimeoutMs;
    const log = this.opts.logger.child({ dest: maskNumber(req.to), tag: req.tag });
    for (;;) {
      const remaining = () => Math.max(0, deadline - performance.now());
      const grant = await this.queue.acquire({
        limiter,
        exclude: tried,
        waitMs: Math.min(queueWaitMs, remaining()),
        signal: opts.signal,
      });
      if (!grant.ok) {
        log.warn({ why: grant.why, trunk: req.trunk }, 'call not placed');
        return { ok: false, end: this.refusalEnd(grant) };
      }
      const node = grant.node;
      tried.add(node);
      const dialed = await this.dialOn(node, req, remaining(), opts.signal);
      if (dialed.ok) {
        log.debug({ node: node.name, callId: dialed.call.id }, 'call answered');
        const call = new NodeCall(dialed.call, node.lost, () => this.lostEnd(node), node.name);
        void call.ended.then(() => this.queue.release(node, limiter));
        return { ok: true, call };
      }
      this.queue.release(node, limiter);
      const nodeFault = dialed.lost || (dialed.end.outcome === 'failed' && !node.pbx.health().ready);
      if (nodeFault) {
        node.markDown('dial failed while its driver is not ready');
        if (!opts.signal?.aborted && remaining() > 0 && this.nodes.some((n) => n.isUp && !tried.has(n))) {
          log.info({ node: node.name }, 'dial failed on a lost node; trying another');
          continue;
        }
      }
      return { ok: false, end: { ...dialed.end, node: node.name } };
    }
  }

  /** Inbound calls of every node go to one listener (missed-call verification). */
  onInbound(listener: (call: InboundCall) => void): void {
    for (const node of this.nodes) node.pbx.onInbound?.(listener);
  }

  async sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    if (!E164.test(msg.to)) throw new RangeError('sendMessage: `to` must be E.164');
    const deadline = performance.now() + opts.timeoutMs;
    const tried = new Set<PbxNode>();
    for (;;) {
      const remaining = Math.max(0, deadline - performance.now());
      const grant = await this.queue.acquire({ exclude: tried, waitMs: Math.min(this.opts.queueTimeoutMs, remaining), signal: opts.signal });
      if (!grant.ok) {
        return grant.why === 'queue-timeout' ? { ok: false, error: 'timeout', detail: this.refusalText(grant) } : { ok: false, error: 'failed', detail: this.refusalText(grant) };
      }
      const node = grant.node;
      tried.add(node);
      const lost = untilAborted(node.lost);
      const sent = await Promise.race([node.pbx.sendMessage(msg, { timeoutMs: remaining, ...(opts.signal ? { signal: opts.signal } : {}) }), lost.promise]);
      lost.dispose();
      this.queue.release(node, undefined);
      const nodeFault = sent === 'lost' || (!sent.ok && sent.error === 'failed' && !node.pbx.health().ready);
      if (nodeFault) {
        node.markDown('message failed while its driver is not ready');
        if (!opts.signal?.aborted && deadline > performance.now() && this.nodes.some((n) => n.isUp && !tried.has(n))) continue;
        return { ok: false, error: 'failed', detail: `pbx node ${node.name} lost` };
      }
      return sent;
    }
  }

  /** Runs the node's originate, settling as soon as the node is lost (a dead driver may never settle). */
  private async dialOn(
    node: PbxNode,
    req: OriginateRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; call: Call } | { ok: false; end: CallEnd; lost: boolean }> {
    const lostSignal = node.lost;
    const lost = untilAborted(lostSignal);
    const dialing = node.pbx.originate(req, { timeoutMs, signal: signal ? AbortSignal.any([signal, lostSignal]) : lostSignal });
    const result = await Promise.race([dialing, lost.promise]);
    lost.dispose();
    if (result === 'lost') {
      // Whatever the driver still produces is of no use now: hang it up.
      void dialing.then((late) => (late.ok ? late.call.hangup() : undefined)).catch(() => undefined);
      return { ok: false, end: this.lostEnd(node, false), lost: true };
    }
    if (result.ok) return { ok: true, call: result.call };
    if (lostSignal.aborted && !signal?.aborted) return { ok: false, end: this.lostEnd(node, false), lost: true };
    return { ok: false, end: result.end, lost: false };
  }

  /** New per-trunk limits (reload): limiters keep counting the calls in progress. */
  setTrunkLimits(trunks: Readonly<Record<string, TrunkLimits>>): void {
    this.opts = { ...this.opts, trunks };
    for (const [name, limiter] of this.limiters) limiter.setLimits((name !== DEFAULT_TRUNK ? trunks[name] : undefined) ?? this.opts.defaultLimits);
    this.queue.pump();
  }

  /** Calls in progress on a trunk, as this dialer counts them. */
  inProgress(trunk: string | undefined): number {
    return this.limiters.get(trunk ?? DEFAULT_TRUNK)?.inProgress ?? 0;
  }

  private limiterFor(trunk: string | undefined): TrunkLimiter {
    const name = trunk ?? DEFAULT_TRUNK;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new TrunkLimiter((trunk !== undefined ? this.opts.trunks?.[trunk] : undefined) ?? this.opts.defaultLimits);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  private checkNodes(): void {
    let changed = false;
    for (const node of this.nodes) changed = node.check() || changed;
    if (changed) this.queue.pump();
  }

  private refusalText(grant: Extract<Grant, { ok: false }>): string {
    switch (grant.why) {
      case 'queue-full':
        return 'dialer queue full';
      case 'queue-timeout':
        return grant.anyNodeUp ? 'dialer queue timeout' : 'dialer queue timeout (no PBX node up)';
      case 'aborted':
        return 'canceled while waiting in the dialer queue';
      case 'stopped':
        return 'dialer stopped';
    }
  }

  private refusalEnd(grant: Extract<Grant, { ok: false }>): CallEnd {
    const outcome = grant.why === 'aborted' ? 'canceled' : 'failed';
    return callEnd(outcome, 'local', { text: this.refusalText(grant) }, this.opts.clock.now());
  }

  private lostEnd(node: PbxNode, answered = true): CallEnd {
    return callEnd(answered ? 'answered' : 'failed', 'pbx', { text: `pbx node ${node.name} lost` }, this.opts.clock.now());
  }
}

/** A promise that resolves 'lost' when the signal aborts; dispose() detaches the listener. */
function untilAborted(signal: AbortSignal): { promise: Promise<'lost'>; dispose(): void } {
  let onAbort: () => void = () => undefined;
  const promise = new Promise<'lost'>((resolve) => {
    if (signal.aborted) return resolve('lost');
    onAbort = () => resolve('lost');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
