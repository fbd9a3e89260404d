import type { Logger } from 'pino';
import { randomInt } from 'node:crypto';
import type { SmsDelivery, SmsGateway, SmsOutcome, SmsReceipt, SmsSendOptions, SmsSendRequest, SmsSender } from './port';
import { planSms, type ConcatMode, type SmsPlan } from './segment';
import { senderKind } from './sender';
import { renderSmsText } from './template';

/** One gateway as the dispatcher uses it. */
export interface DispatchGateway {
  gateway: SmsGateway;
  concat: ConcatMode;
  /** Price of one part to `to` (cost = parts × price), from the gateway's rate deck; 0 when no rate prices it. */
  pricePerPart: (to: string) => number;
}

export interface SmsCounters {
  sent(gateway: string, status: string): void;
  failover(gateway: string, reason: string): void;
  /** A receipt (or DLR callback) that matched no message, or failed its token/signature check. */
  unmatchedReceipt(gateway: string, why: string): void;
}

export interface DispatcherOptions {
  /** Gateways in failover order. */
  gateways: DispatchGateway[];
  maxParts: number;
  /** How long to wait for the final receipt before the attempt is `unknown`. */
  receiptTimeoutMs: number;
  submitTimeoutMs: number;
  logger: Logger;
  counters: SmsCounters;
  /** How long a receipt that arrives before its submit is recorded waits for it. */
  earlyReceiptMs?: number;
}

interface Waiter {
  gateway: string;
  remaining: Set<string>;
  settle(receipt: SmsReceipt | undefined): void;
}

const key = (gateway: string, id: string): string => `${gateway}\u0000${id}`;

/**
 * Sends verification texts: renders the template (the code is kept inside one part), plans the
 * parts per gateway, submits through the gateways in failover order, then waits for the final
 * delivery receipt of every part (`delivered`, `failed(reason)`, or `unknown` after the receipt
 * timeout). Never rejects.
 */
export class SmsDispatcher implements SmsSender {
  private readonly waiting = new Map<string, Waiter>();
  /** Receipts that arrived before their submit finished being recorded (same TCP read as the response). */
  private readonly early = new Map<string, { receipt: SmsReceipt; timer: NodeJS.Timeout }>();

  constructor(private readonly opts: DispatcherOptions) {
    for (const { gateway } of opts.gateways) gateway.onReceipt((receipt) => this.receipt(receipt));
  }

  /** Parts this text would need on the first gateway (request-time check). */
  partsFor(text: string, keepTogether: Array<[number, number]>): number {
    const first = this.opts.gateways[0];
    return planSms(text, { concat: first?.concat ?? 'udh8', ref: 0, keepTogether }).parts.length;
  }

  get maxParts(): number {
    return this.opts.maxParts;
  }

  async send(req: SmsSendRequest, opts: SmsSendOptions): Promise<SmsOutcome> {
    const { text, codeRanges } = renderSmsText(req.template, { code: req.code, brand: req.brand, appHash: req.appHash });
    const kind = senderKind(req.from);
    if (kind === undefined) return { status: 'failed', reason: 'invalid-source', parts: 0, advance: true };
    let lastReason = 'no-gateway';
    for (const [i, entry] of this.opts.gateways.entries()) {
      const { gateway } = entry;
      const plan: SmsPlan = planSms(text, { concat: entry.concat, ref: randomInt(entry.concat === 'udh16' ? 65536 : 256), keepTogether: codeRanges });
      const parts = plan.parts.length;
      if (parts > this.opts.maxParts) return { status: 'failed', reason: 'too-many-parts', parts, advance: true };
      const isLast = i === this.opts.gateways.length - 1;
      if (!gateway.health().ready && !isLast) {
        this.failover(gateway.name, 'unavailable');
        lastReason = 'unavailable';
        continue;
      }
      const result = await gateway.submit(
        { to: req.to, from: req.from, senderKind: kind, text, plan, receipt: true, tag: req.tag },
        { signal: opts.signal, timeoutMs: this.opts.submitTimeoutMs },
      );
      if (!result.ok) {
        lastReason = result.reason;
        this.opts.counters.sent(gateway.name, 'refused');
        if (result.permanent || opts.signal.aborted) {
          return { status: 'failed', gateway: gateway.name, reason: result.reason, parts, advance: true, ...(result.detail ? { detail: result.detail } : {}) };
        }
        this.failover(gateway.name, result.reason);
        if (isLast) return { status: 'failed', gateway: gateway.name, reason: result.reason, parts, advance: true, ...(result.detail ? { detail: result.detail } : {}) };
        continue;
      }
      const delivery: SmsDelivery = { gateway: gateway.name, status: 'submitted', parts, encoding: plan.encoding, cost: Math.round(parts * entry.pricePerPart(req.to) * 1e6) / 1e6 };
      this.opts.counters.sent(gateway.name, 'submitted');
      const ids = result.ids;
      if (!result.receipts) return { ...delivery, ids, advance: false };
      opts.onSubmitted?.(delivery);
      const final = await this.awaitReceipts(gateway.name, ids, opts.signal);
      if (final === 'aborted') return { ...delivery, ids, advance: false };
      if (final === undefined) return { ...delivery, status: 'unknown', ids, advance: false };
      this.opts.counters.sent(gateway.name, final.status);
      if (final.status === 'delivered') return { ...delivery, status: 'delivered', ids, advance: false };
      return { ...delivery, status: 'failed', reason: final.reason ?? 'unknown', ids, advance: true };
    }
    return { status: 'failed', reason: lastReason, parts: 0, advance: true };
  }

  /** Resolves with the final receipt (the first failure, or the last delivery), undefined on timeout. */
  private awaitReceipts(gateway: string, ids: string[], signal: AbortSignal): Promise<SmsReceipt | undefined | 'aborted'> {
    return new Promise((resolve) => {
      const remaining = new Set(ids);
      const done = (result: SmsReceipt | undefined | 'aborted'): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        for (const id of ids) if (this.waiting.get(key(gateway, id)) === waiter) this.waiting.delete(key(gateway, id));
        resolve(result);
      };
      const onAbort = (): void => done('aborted');
      const waiter: Waiter = { gateway, remaining, settle: done };
      const timer = setTimeout(() => done(undefined), this.opts.receiptTimeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      for (const id of ids) this.waiting.set(key(gateway, id), waiter);
      for (const id of ids) {
        const early = this.early.get(key(gateway, id));
        if (!early) continue;
        clearTimeout(early.timer);
        this.early.delete(key(gateway, id));
        this.receipt(early.receipt);
      }
      if (signal.aborted) done('aborted');
    });
  }

  /** A receipt from any gateway (SMPP deliver_sm, or a checked HTTP callback). */
  receipt(receipt: SmsReceipt): void {
    const k = key(receipt.gateway, receipt.id);
    const waiter = this.waiting.get(k);
    if (!waiter) {
      if (receipt.status === 'accepted') return;
      const timer = setTimeout(() => {
        this.early.delete(k);
        this.unmatched(receipt.gateway, 'unknown message');
      }, this.opts.earlyReceiptMs ?? 5_000);
      timer.unref();
      this.early.get(k)?.timer.refresh();
      if (this.early.size < 10_000) this.early.set(k, { receipt, timer });
      return;
    }
    if (receipt.status === 'accepted') return;
    if (receipt.status === 'failed') return waiter.settle(receipt);
    waiter.remaining.delete(receipt.id);
    this.waiting.delete(k);
    if (waiter.remaining.size === 0) waiter.settle(receipt);
  }

  /** Logs and counts a receipt or callback that changes nothing (unknown id, forged token). */
  unmatched(gateway: string, why: string): void {
    this.opts.logger.warn({ gateway, why }, 'sms receipt ignored');
    this.opts.counters.unmatchedReceipt(gateway, why);
  }

  private failover(gateway: string, reason: string): void {
    this.opts.logger.warn({ gateway, reason }, 'sms gateway failed, trying the next');
    this.opts.counters.failover(gateway, reason);
  }

  async start(): Promise<void> {
    for (const { gateway } of this.opts.gateways) await gateway.start();
  }

  async stop(): Promise<void> {
    for (const { timer } of this.early.values()) clearTimeout(timer);
    this.early.clear();
    for (const waiter of new Set(this.waiting.values())) waiter.settle(undefined);
    for (const { gateway } of this.opts.gateways) await gateway.stop();
  }
}
