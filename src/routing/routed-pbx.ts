import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import { maskNumber } from '../lib/mask';
import type { DialOptions } from '../pbx/dialer/dialer-pbx';
import {
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
  type RouteTaken,
  type TrunkRefusal,
} from '../pbx/port';
import { classifyEnd } from './causes';
import { FlashCodes } from './flash-codes';
import { lazyFacts } from './number-facts';
import { dialNumberFor, type Trunk } from './route-table';
import type { Router } from './router';
import type { SharedTrunkLimits, TrunkSlot } from './shared-limits';

/** The dialer as the router uses it: a Pbx whose originate takes the trunk's nodes and queue wait. */
export interface RoutablePbx extends Pbx {
  originate(req: OriginateRequest, opts: DialOptions): Promise<OriginateResult>;
}

/**
 * How the last trunk of a route asks again for a cluster-wide slot: after 25 ms, then doubling to
 * 200 ms (±25 % jitter, so waiters of several engines do not ask in step). A slot released on this
 * engine wakes its waiters at once; one released elsewhere is seen at the next ask. A call-rate
 * refusal asks again after one token's time (1000 / cps ms), within the same bounds.
 */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 200;

/** Text of the end of a call that no route serves (a reload removed its route after it started). */
export const NO_ROUTE_TEXT = 'NO_ROUTE: no route serves this destination';

/**
 * A Pbx that routes: for each call it asks the route table for the trunks (in failover order),
 * picks the caller ID from the trunk's pool, and places the call on the first trunk that can
 * take it. A refusal the cause table (causes.ts) blames on the trunk moves the call to the next
 * trunk within the same attempt; an end that means the person (busy, no answer, declined,
 * unallocated) or our own cancel ends it. Trunks whose breaker is open are skipped; a trunk
 * that cannot take the call now (full, at its call rate) passes it on, except the last one,
 * which queues in the dialer. The result says which trunk and caller ID were used.
 */
export class RoutedPbx implements Pbx {
  readonly kind: string;
  /** Waiters for a cluster-wide slot on a trunk, woken when this engine releases one there. */
  private readonly slotWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly dialer: RoutablePbx,
    private readonly router: Router,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly shared?: SharedTrunkLimits | undefined,
    /** How long the last trunk of a route waits for a cluster-wide slot or token (the dialer queue's wait). */
    private readonly clusterWaitMs = 30_000,
  ) {
    this.kind = dialer.kind;
  }

  /** The dialer behind (QA tools look for the simulators there). */
  get inner(): RoutablePbx {
    return this.dialer;
  }

  start(): Promise<void> {
    return this.dialer.start();
  }

  stop(): Promise<void> {
    return this.dialer.stop();
  }

  health(): PbxHealth {
    return this.dialer.health();
  }

  sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    return this.dialer.sendMessage(msg, opts);
  }

  onInbound(listener: (call: InboundCall) => void): void {
    this.dialer.onInbound?.(listener);
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    const facts = lazyFacts(req.to);
    const decision = this.router.decide(req.to, req.channel, facts);
    if (!decision) return { ok: false, end: callEnd('failed', 'local', { text: NO_ROUTE_TEXT }, this.clock.now()), route: { failover: [] } };
    const deadline = performance.now() + opts.timeoutMs;
    const failover: TrunkRefusal[] = [];
    const log = this.logger.child({ dest: maskNumber(req.to), tag: req.tag, route: decision.route.name });
    let last: { trunk: string; callerId: string | undefined; end: CallEnd } | undefined;
    const trunks = decision.trunks;
    for (let i = 0; i < trunks.length; i++) {
      const trunk = trunks[i] as Trunk;
      const isLast = i === trunks.length - 1;
      const remaining = deadline - performance.now();
      if (opts.signal?.aborted || remaining <= 0) break;
      const health = this.router.healthOf(trunk);
      if (!health.admit(this.router.now())) {
        failover.push({ trunk: trunk.name, outcome: 'failed', cause: { text: 'trunk out of rotation (breaker open)' } });
        continue;
      }
      // A flash call's caller ID is its code: only a trunk that can present that very number may carry it.
      const flashId = req.channel === 'flash_call' ? flashCallerIdOn(trunk, req.callerId) : undefined;
      if (req.channel === 'flash_call' && flashId === undefined) {
        failover.push({ trunk: trunk.name, outcome: 'failed', cause: { text: 'trunk cannot present the flash caller ID' } });
        continue;
      }
      let slot: TrunkSlot | undefined;
      if (this.shared && (trunk.maxConcurrent !== undefined || trunk.cps !== undefined)) {
        const got = await this.clusterSlot(trunk, isLast ? Math.min(remaining, this.clusterWaitMs) : 0, opts.signal);
        if (typeof got === 'string') {
          health.abandon();
          failover.push({ trunk: trunk.name, outcome: 'failed', cause: { text: got === 'full' ? 'trunk full (cluster-wide)' : 'trunk at its call rate (cluster-wide)' } });
          continue;
        }
        slot = got;
      }
      const callerId = flashId ?? (trunk.pool ? this.router.chooser.choose(trunk.name, trunk.pool, decision.route.callerId, req.to, facts, req.callerId) : req.callerId);
      const started = performance.now();
      health.inFlight++;
      const result = await this.place(trunk, req, callerId, facts, { timeoutMs: remaining, ...(opts.signal ? { signal: opts.signal } : {}), nodes: trunk.nodes, queueWaitMs: isLast ? undefined : 0 });
      const pddMs = performance.now() - started;
      if (result.ok) {
        health.onAnswered(pddMs);
        const answeredAt = performance.now();
        void result.call.ended.then(() => {
          health.inFlight--;
          health.onCallEnded(performance.now() - answeredAt);
          this.release(trunk.name, slot);
        });
        return { ok: true, call: result.call, route: taken(trunk.name, callerId, failover) };
      }
      health.inFlight--;
      this.release(trunk.name, slot);
      const { verdict, rule } = classifyEnd(result.end, { elapsedMs: pddMs, ringTimeoutMs: req.ringTimeoutMs });
      health.onRefused(result.end, verdict, pddMs, this.router.now());
      if (verdict !== 'trunk' || isLast) return { ok: false, end: result.end, route: taken(trunk.name, callerId, failover) };
      log.info({ trunk: trunk.name, rule }, 'trunk refused the call; trying the next trunk');
      last = { trunk: trunk.name, callerId, end: result.end };
      failover.push({ trunk: trunk.name, outcome: result.end.outcome, cause: result.end.cause });
    }
    // Every trunk was skipped or refused, or the attempt was canceled between two trunks.
    const canceled = opts.signal?.aborted === true;
    if (last && !canceled) return { ok: false, end: last.end, route: taken(last.trunk, last.callerId, failover.slice(0, -1)) };
    const text = canceled ? 'canceled between two trunks' : 'no trunk of the route could take the call';
    log.warn({ tried: failover.length }, 'call not placed on any trunk');
    return { ok: false, end: callEnd(canceled ? 'canceled' : 'failed', 'local', { text }, this.clock.now()), route: { failover } };
  }

  /** A cluster-wide slot and token; the last trunk of a route polls for one up to `waitMs`. */
  private async clusterSlot(trunk: Trunk, waitMs: number, signal: AbortSignal | undefined): Promise<TrunkSlot | 'full' | 'rate'> {
    const shared = this.shared as SharedTrunkLimits;
    const until = performance.now() + waitMs;
    for (let n = 0; ; n++) {
      const got = await shared.tryAcquire(trunk.name, { maxConcurrent: trunk.maxConcurrent, cps: trunk.cps });
      if (typeof got !== 'string' || signal?.aborted) return got;
      const backoff = got === 'rate' && trunk.cps ? 1000 / trunk.cps : POLL_FIRST_MS * 2 ** Math.min(n, 3);
      const delay = Math.min(POLL_MAX_MS, Math.max(POLL_FIRST_MS, backoff)) * (0.75 + Math.random() * 0.5);
      if (performance.now() + delay > until) return got;
      await this.slotFreed(trunk.name, delay, signal);
    }
  }

  /** Resolves after `ms`, or sooner when this engine releases a slot on `trunk` or `signal` aborts. */
  private slotFreed(trunk: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.slotWaiters.get(trunk) ?? new Set<() => void>();
      this.slotWaiters.set(trunk, waiters);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.slotWaiters.get(trunk) === waiters) this.slotWaiters.delete(trunk);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  private release(trunk: string, slot: TrunkSlot | undefined): void {
    if (!slot) return;
    void slot.release().finally(() => {
      // one waiter per freed slot: the first to ask gets it, the others keep their pace
      const first = this.slotWaiters.get(trunk)?.values().next().value;
      first?.();
    });
  }

  /** One try on one trunk; a driver that throws (a bug) counts as that trunk's failure. */
  private async place(trunk: Trunk, req: OriginateRequest, callerId: string | undefined, facts: ReturnType<typeof lazyFacts>, opts: DialOptions): Promise<OriginateResult> {
    const routed: OriginateRequest = { ...req };
    delete routed.callerId;
    if (callerId !== undefined) routed.callerId = callerId;
    if (trunk.dialTrunk !== undefined) routed.trunk = trunk.dialTrunk;
    else delete routed.trunk;
    if (trunk.dial) routed.dial = trunk.dial;
    if (!trunk.implicit) {
      routed.dialNumber = dialNumberFor(trunk, req.to, facts);
      const national = trunk.numberFormat === 'national' || Object.values(trunk.dial ?? {}).some((t) => t.includes('{national}')) ? facts().national : undefined;
      if (national !== undefined) routed.national = national;
    }
    try {
      return await this.dialer.originate(routed, opts);
    } catch (err) {
      this.logger.error({ trunk: trunk.name, err: { message: (err as Error).message } }, 'dial refused by the driver');
      return { ok: false, end: callEnd('failed', 'pbx', { text: `dial refused by the driver: ${(err as Error).message}` }, this.clock.now()) };
    }
  }
}

/** The flash caller ID as `trunk` presents it: in its pool or its range (any for the implicit trunk); undefined when it cannot. */
function flashCallerIdOn(trunk: Trunk, callerId: string | undefined): string | undefined {
  if (callerId === undefined || trunk.implicit) return callerId;
  if (trunk.callerIdRange !== undefined && FlashCodes.ofRange(trunk.callerIdRange).canPresent(callerId)) return callerId;
  return trunk.pool?.canonical(callerId);
}

function taken(trunk: string, callerId: string | undefined, failover: TrunkRefusal[]): RouteTaken {
  return callerId === undefined ? { trunk, failover } : { trunk, callerId, failover };
}
