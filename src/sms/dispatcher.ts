import type { Logger } from 'pino';
import { randomInt } from 'node:crypto';
import type { SmsDelivery, SmsGateway, SmsMessageIndex, SmsOutcome, SmsReceipt, SmsReceiptRelay, SmsSendOptions, SmsSendRequest, SmsSender } from './port';
import { ReceiptMatcher } from './receipt-matcher';
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

/** A route's gateways for one message. */
export interface SmsRouteChoice {
  /** Names in the order to try them (drawn for this message when `drawn`). */
  gateways: readonly string[];
  /** The route has weights: its order is drawn per message, so any of its gateways may be tried first. */
  drawn: boolean;
}

export interface SmsCounters {
  sent(gateway: string, status: string): void;
  failover(gateway: string, reason: string): void;
  /** A receipt (or DLR callback) that matched no message, or failed its token/signature check. */
  unmatchedReceipt(gateway: string, why: string): void;
}

export interface DispatcherOptions {
  /** Gateways in failover order when SMS are not routed (`sms.gateway(s)`). */
  gateways: DispatchGateway[];
  /** Every gateway a route may name, by name (the `gateways` above are among them). */
  byName?: ReadonlyMap<string, DispatchGateway>;
  /**
   * The route table's choice for `to` (src/routing/): gateway names in the order to try them,
   * `unrouted` when no route names SMS gateways (then `gateways` applies), undefined for NO_ROUTE.
   */
  route?: (to: string) => SmsRouteChoice | 'unrouted' | undefined;
  maxParts: number;
  /** How long to wait for the final receipt before the attempt is `unknown`. */
  receiptTimeoutMs: number;
  submitTimeoutMs: number;
  logger: Logger;
  counters: SmsCounters;
  /** Real-time delays before a receipt that matched nothing is looked up again. */
  receiptRetryMs?: readonly number[];
  /** The engine's clock (receipt deadlines); real time when absent. */
  now?: () => number;
  /** message id → sender in the store (memory, Redis): receipts are matched on any engine. */
  index?: SmsMessageIndex | undefined;
  /** Forwards receipts to the engine that sent the message (Redis); single engine when absent. */
  relay?: SmsReceiptRelay | undefined;
}

/**
 * Sends verification texts: renders the template (the code is kept inside one part), plans the
 * parts per gateway, submits through the gateways in failover order, then waits for the final
 * delivery receipt of every part (`delivered`, `failed(reason)`, or `unknown` after the receipt
 * timeout on the engine clock; receipts matched on any engine: receipt-matcher.ts). Never rejects.
 */
export class SmsDispatcher implements SmsSender {
  private readonly all: readonly DispatchGateway[];
  private readonly matcher: ReceiptMatcher;

  constructor(private readonly opts: DispatcherOptions) {
    this.all = [...new Set([...opts.gateways, ...(opts.byName?.values() ?? [])])];
    this.matcher = new ReceiptMatcher({
      logger: opts.logger,
      now: opts.now ?? Date.now,
      index: opts.index,
      relay: opts.relay,
      unmatched: (gateway, why) => this.unmatched(gateway, why),
      ...(opts.receiptRetryMs ? { retryMs: opts.receiptRetryMs } : {}),
    });
    for (const { gateway } of this.all) gateway.onReceipt((receipt) => this.receipt(receipt));
  }

  /** The gateways for one message in failover order; undefined when routes exist and none serves `to`. */
  private gatewaysFor(to: string): { order: Array<DispatchGateway | string>; drawn: boolean } | undefined {
    const routed = this.opts.route?.(to) ?? 'unrouted';
    if (routed === 'unrouted') return { order: this.opts.gateways, drawn: false };
    // a name the running engine has no gateway for (smsGateways change only with a restart) is skipped by failover
    return routed === undefined ? undefined : { order: routed.gateways.map((name) => this.opts.byName?.get(name) ?? name), drawn: routed.drawn };
  }

  /**
   * The gateways a message to `to` may leave through now, as send() chooses: the first ready
   * gateway of the order (the last one is tried whatever its health); every gateway of a weighted
   * route (its order is drawn per message). Undefined: no route serves `to` (NO_ROUTE); empty: no
   * configured gateway. The request-time checks (parts, `maxCost`) read this, so they judge the
   * gateway the send will use.
   */
  sendingGateways(to?: string): DispatchGateway[] | undefined {
    const chosen = to === undefined ? { order: this.opts.gateways, drawn: false } : this.gatewaysFor(to);
    if (chosen === undefined) return undefined;
    const usable = chosen.order.filter((g): g is DispatchGateway => typeof g !== 'string');
    if (chosen.drawn) return usable;
    const first = usable.find((g) => g.gateway.health().ready) ?? usable.at(-1);
    return first ? [first] : [];
  }

  /** Parts this text would need on the gateway `to` would go through now (routed, or `sms.gateway(s)`): the request-time check. */
  partsFor(text: string, keepTogether: Array<[number, number]>, to?: string): number {
    const concats = (this.sendingGateways(to) ?? []).map((g) => g.concat);
    // a weighted route: the most parts any of its gateways would need
    return Math.max(...(concats.length ? concats : (['udh8'] as const)).map((concat) => planSms(text, { concat, ref: 0, keepTogether }).parts.length));
  }

  get maxParts(): number {
    return this.opts.maxParts;
  }

  async send(req: SmsSendRequest, opts: SmsSendOptions): Promise<SmsOutcome> {
    const { text, codeRanges } = renderSmsText(req.template, { code: req.code, brand: req.brand, appHash: req.appHash });
    const kind = senderKind(req.from);
    if (kind === undefined) return { status: 'failed', reason: 'invalid-source', parts: 0, advance: true };
    const gateways = this.gatewaysFor(req.to)?.order;
    if (gateways === undefined) return { status: 'failed', reason: 'no-route', parts: 0, advance: true };
    let lastReason = 'no-gateway';
    for (const [i, entry] of gateways.entries()) {
      if (typeof entry === 'string') {
        this.failover(entry, 'not-configured');
        lastReason = 'not-configured';
        continue;
      }
      const { gateway } = entry;
      const plan: SmsPlan = planSms(text, { concat: entry.concat, ref: randomInt(entry.concat === 'udh16' ? 65536 : 256), keepTogether: codeRanges });
      const parts = plan.parts.length;
      if (parts > this.opts.maxParts) return { status: 'failed', reason: 'too-many-parts', parts, advance: true };
      const isLast = i === gateways.length - 1;
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
      const final = await this.matcher.wait(gateway.name, ids, { tag: req.tag, token: result.token }, this.opts.receiptTimeoutMs, opts.signal);
      if (final === 'aborted') return { ...delivery, ids, advance: false };
      if (final === undefined) return { ...delivery, status: 'unknown', ids, advance: false };
      this.opts.counters.sent(gateway.name, final.status);
      if (final.status === 'delivered') return { ...delivery, status: 'delivered', ids, advance: false };
      return { ...delivery, status: 'failed', reason: final.reason ?? 'unknown', ids, advance: true };
    }
    return { status: 'failed', reason: lastReason, parts: 0, advance: true };
  }

  /** A receipt from any gateway (SMPP deliver_sm, or a checked HTTP callback), matched on any engine. */
  receipt(receipt: SmsReceipt): void {
    this.matcher.receipt(receipt);
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
    for (const { gateway } of this.all) await gateway.start();
  }

  async stop(): Promise<void> {
    this.matcher.stop();
    for (const { gateway } of this.all) await gateway.stop();
  }
}
