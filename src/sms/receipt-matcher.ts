import type { Logger } from 'pino';
import type { SmsMessageIndex, SmsReceipt, SmsReceiptRelay } from './port';

export interface ReceiptMatcherOptions {
  logger: Logger;
  /** The engine's clock (the manual test clock in tests): receipt deadlines are measured on it. */
  now: () => number;
  /** message id → sender in the store, so a receipt reaching any engine finds its attempt. */
  index?: SmsMessageIndex | undefined;
  /** Hands a receipt to the engine that sent the message (Redis pub/sub); single engine when absent. */
  relay?: SmsReceiptRelay | undefined;
  /** A receipt or callback that matched nothing (logged and counted by the caller). */
  unmatched(gateway: string, why: string): void;
  /** Real-time delays before a receipt that matched nothing is looked up again (its submit may not be recorded yet). */
  retryMs?: readonly number[];
  /** How often, in real time, deadlines are compared with the engine clock. */
  tickMs?: number;
}

export type ReceiptWait = SmsReceipt | undefined | 'aborted';

interface Waiter {
  gateway: string;
  ids: readonly string[];
  remaining: Set<string>;
  deadline: number;
  settle(result: ReceiptWait): void;
}

const key = (gateway: string, id: string): string => `${gateway}\u0000${id}`;
const RETRY_MS = [100, 400, 1500, 3000];

/**
 * Matches delivery receipts with the messages waiting for them. A message's ids are recorded in
 * the store's SMS index with the sending engine (`owner`); a receipt that reaches another engine
 * (a DLR callback through the load balancer, a deliver_sm on another engine's bind) is looked up
 * there and forwarded to the owner, which applies it. A receipt that arrives before its submit is
 * recorded is looked up again a few times before it counts as unknown. Deadlines (`unknown` when
 * no final receipt comes in time) are on the engine's clock.
 */
export class ReceiptMatcher {
  private readonly waiting = new Map<string, Waiter>();
  private readonly waiters = new Set<Waiter>();
  private ticker: NodeJS.Timeout | undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly owner: string;

  constructor(private readonly opts: ReceiptMatcherOptions) {
    this.owner = opts.relay?.instanceId ?? 'local';
    opts.relay?.onSmsReceipt((receipt) => {
      if (!this.applyHere(receipt)) this.opts.unmatched(receipt.gateway, 'forwarded receipt, attempt no longer waiting');
    });
  }

  /**
   * Records who sent `ids` and resolves with the final receipt (the first failure, or the last
   * delivery), undefined when none came within `timeoutMs` of engine time, `aborted` on abort.
   */
  wait(gateway: string, ids: readonly string[], ref: { tag: string; token?: string | undefined }, timeoutMs: number, signal: AbortSignal): Promise<ReceiptWait> {
    const result = new Promise<ReceiptWait>((resolve) => {
      const onAbort = (): void => waiter.settle('aborted');
      const waiter: Waiter = {
        gateway,
        ids,
        remaining: new Set(ids),
        deadline: this.opts.now() + timeoutMs,
        settle: (value) => {
          if (!this.waiters.delete(waiter)) return;
          signal.removeEventListener('abort', onAbort);
          for (const id of ids) if (this.waiting.get(key(gateway, id)) === waiter) this.waiting.delete(key(gateway, id));
          if (this.waiters.size === 0) this.stopTicker();
          if (value !== 'aborted' && value !== undefined) void this.forget(gateway, ids);
          resolve(value);
        },
      };
      this.waiters.add(waiter);
      for (const id of ids) this.waiting.set(key(gateway, id), waiter);
      this.startTicker();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
    const { index } = this.opts;
    if (index) {
      const stored = { owner: this.owner, tag: ref.tag, ...(ref.token !== undefined ? { token: ref.token } : {}) };
      // kept a while past the deadline: a late receipt is then recognised (and ignored) rather than called forged
      const ttl = timeoutMs * 2 + 60_000;
      for (const id of ids) index.putSmsMessage(gateway, id, stored, ttl).catch((err: unknown) => this.opts.logger.warn({ err, gateway }, 'could not record an sms message in the store'));
    }
    return result;
  }

  /** A receipt from a gateway (SMPP deliver_sm, or a checked HTTP callback). */
  receipt(receipt: SmsReceipt): void {
    if (receipt.unverified === undefined && this.applyHere(receipt)) return;
    // an intermediate receipt nobody here waits for changes nothing
    if (receipt.status === 'accepted' && receipt.unverified === undefined) return;
    this.lookUp(receipt, 0);
  }

  /** Ends every wait (engine stopping): as if no receipt came. */
  stop(): void {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const waiter of [...this.waiters]) waiter.settle(undefined);
    this.stopTicker();
  }

  /** Applies a verified receipt to a message this engine waits for; false when none. */
  private applyHere(receipt: SmsReceipt): boolean {
    const k = key(receipt.gateway, receipt.id);
    const waiter = this.waiting.get(k);
    if (!waiter) return false;
    if (receipt.status === 'accepted') return true;
    const { unverified: _, ...clean } = receipt;
    if (clean.status === 'failed') {
      waiter.settle(clean);
      return true;
    }
    waiter.remaining.delete(clean.id);
    this.waiting.delete(k);
    if (waiter.remaining.size === 0) waiter.settle(clean);
    return true;
  }

  private lookUp(receipt: SmsReceipt, attempt: number): void {
    const again = (): void => {
      const delay = (this.opts.retryMs ?? RETRY_MS)[attempt];
      if (delay === undefined) return this.opts.unmatched(receipt.gateway, 'unknown message');
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        if (receipt.unverified === undefined && this.applyHere(receipt)) return;
        this.lookUp(receipt, attempt + 1);
      }, delay);
      timer.unref();
      this.retries.add(timer);
    };
    const { index } = this.opts;
    if (!index) return again();
    index.getSmsMessage(receipt.gateway, receipt.id).then(
      (ref) => {
        if (!ref) return again();
        const token = receipt.unverified?.token;
        if (token !== undefined && ref.token !== token) return this.opts.unmatched(receipt.gateway, 'token does not match');
        const { unverified: _, ...clean } = receipt;
        if (ref.owner === this.owner) {
          if (!this.applyHere(clean)) this.opts.unmatched(receipt.gateway, 'attempt no longer waiting');
          return;
        }
        if (!this.opts.relay) return this.opts.unmatched(receipt.gateway, 'sent by another engine');
        void this.opts.relay.forwardSmsReceipt(ref.owner, clean);
      },
      (err: unknown) => {
        this.opts.logger.warn({ err, gateway: receipt.gateway }, 'could not look an sms receipt up in the store');
        again();
      },
    );
  }

  private async forget(gateway: string, ids: readonly string[]): Promise<void> {
    const { index } = this.opts;
    if (!index) return;
    for (const id of ids) await index.deleteSmsMessage(gateway, id).catch(() => undefined);
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      const now = this.opts.now();
      for (const waiter of [...this.waiters]) if (waiter.deadline <= now) waiter.settle(undefined);
    }, this.opts.tickMs ?? 200);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
