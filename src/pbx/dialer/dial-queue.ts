import type { PbxNode } from './pbx-node';
import type { TrunkLimiter } from './trunk-limiter';

export type Refusal = 'queue-full' | 'queue-timeout' | 'aborted' | 'stopped';

export type Grant = { ok: true; node: PbxNode } | { ok: false; why: Refusal; anyNodeUp: boolean };

export interface SlotRequest {
  /** The trunk's limiter (calls); absent for messages, which only need a node. */
  limiter?: TrunkLimiter | undefined;
  /** Nodes this request already failed on (failover tries the others). */
  exclude: ReadonlySet<PbxNode>;
  /** Longest wait in the queue. */
  waitMs: number;
  signal?: AbortSignal | undefined;
}

interface Waiter extends SlotRequest {
  settle(grant: Grant): void;
}

/**
 * The dialer's bounded FIFO: a request waits until its trunk allows a call now (CPS and
 * concurrency) and a node that is up has room, then gets that node. Requests of different
 * trunks do not block each other; requests of one trunk leave in arrival order. A request that
 * waits longer than its `waitMs`, or finds more than `maxLength` requests waiting, is refused
 * with a reason the dialer turns into a typed `failed` end.
 */
export class DialQueue {
  private readonly waiting: Waiter[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private rotation = 0;
  private stopped = false;

  constructor(
    private readonly nodes: readonly PbxNode[],
    private readonly maxLength: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Waits for a slot. The caller must call {@link release} once with the node it got. */
  acquire(request: SlotRequest): Promise<Grant> {
    return new Promise<Grant>((resolve) => {
      if (this.stopped) return resolve({ ok: false, why: 'stopped', anyNodeUp: false });
      if (request.signal?.aborted) return resolve({ ok: false, why: 'aborted', anyNodeUp: this.anyNodeUp() });
      let timer: NodeJS.Timeout | undefined = undefined;
      const onAbort = (): void => finish({ ok: false, why: 'aborted', anyNodeUp: this.anyNodeUp() });
      const waiter: Waiter = { ...request, settle: (grant) => finish(grant) };
      const finish = (grant: Grant): void => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve(grant);
      };
      this.waiting.push(waiter);
      this.pump();
      if (!this.waiting.includes(waiter)) return;
      if (this.waiting.length > this.maxLength) return finish({ ok: false, why: 'queue-full', anyNodeUp: this.anyNodeUp() });
      timer = setTimeout(() => finish({ ok: false, why: 'queue-timeout', anyNodeUp: this.anyNodeUp() }), Math.max(0, request.waitMs));
      request.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A call or message on `node` is over (or never started): frees its place. */
  release(node: PbxNode, limiter: TrunkLimiter | undefined): void {
    node.active = Math.max(0, node.active - 1);
    limiter?.release();
    this.pump();
  }

  /** Grants whatever can go now; sets a timer for the earliest CPS window that opens later. */
  pump(): void {
    if (this.stopped) return;
    const now = this.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const waiter of [...this.waiting]) {
      const node = this.pick(waiter.exclude);
      if (!node) continue;
      if (waiter.limiter) {
        const wait = waiter.limiter.waitMs(now);
        if (wait === undefined) continue;
        if (wait > 0) {
          wakeAt = Math.min(wakeAt, now + wait);
          continue;
        }
        waiter.limiter.take(now);
      }
      node.active++;
      waiter.settle({ ok: true, node });
    }
    if (wakeAt < this.wakeAt) {
      clearTimeout(this.wakeTimer);
      this.wakeAt = wakeAt;
      this.wakeTimer = setTimeout(() => {
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      }, Math.ceil(wakeAt - now));
    }
  }

  /** Refuses everything waiting; later requests are refused at once. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    for (const waiter of [...this.waiting]) waiter.settle({ ok: false, why: 'stopped', anyNodeUp: false });
  }

  /** The node with the fewest calls among those up with room, rotating between equals. */
  private pick(exclude: ReadonlySet<PbxNode>): PbxNode | undefined {
    let best: PbxNode | undefined;
    const n = this.nodes.length;
    for (let k = 0; k < n; k++) {
      const node = this.nodes[(this.rotation + k) % n] as PbxNode;
      if (!node.hasCapacity || exclude.has(node)) continue;
      if (!best || node.active < best.active) best = node;
    }
    if (best) this.rotation = (this.nodes.indexOf(best) + 1) % n;
    return best;
  }

  private anyNodeUp(): boolean {
    return this.nodes.some((node) => node.isUp);
  }
}
