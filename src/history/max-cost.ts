import { AppError } from '../lib/errors';
import type { CostLimit } from '../verification/ports';
import type { CostModel, CostQuery } from './cost';

/** A call's expected cost is that of an answered call of this length (connection fee + one minute billed with the deck's increments). */
export const EXPECTED_CALL_SECONDS = 60;

/**
 * What prices an attempt to a destination, from the route decision the send will use: the decks
 * of the trunk (call) or SMS gateway that would be tried first, and the route's own limit.
 */
export interface RoutePricing {
  /** Rate decks of the trunk or gateway tried first (every one of a weighted route: any may be drawn). */
  decks: readonly string[];
  /** The route's `maxCost` in micro-units; undefined: none. */
  maxCostMicros: number | undefined;
}

export interface MaxCostOptions {
  /** The rate decks in memory (undefined until loaded, or with history off). */
  rates: () => CostModel | undefined;
  /** How a call to `to` on `channel` would be priced; undefined when no route serves it (routing refuses that: NO_ROUTE). */
  callPricing: (to: string, channel: 'call' | 'reverse') => RoutePricing | undefined;
  /** How an SMS to `to` would be priced (the decks of the gateway the SMS route or `sms.gateway(s)` would use); undefined: NO_ROUTE. */
  smsPricing: (to: string) => RoutePricing | undefined;
}

type Source = 'key' | 'route';

/**
 * The `maxCost` policy: a key (`apiKeys[].maxCost`) or a route (`routes[].maxCost`) refuses a
 * destination whose expected cost per attempt exceeds the limit, before anything is stored or
 * dialled. Expected cost: a call costs what an answered call of {@link EXPECTED_CALL_SECONDS}
 * would (longest-prefix rate of the deck of the trunk the route picks); an SMS its parts × the
 * price per part of the deck of the gateway the SMS would go through (routed, or `sms.gateway(s)`).
 * A destination no rate prices is refused too when a limit applies (its cost is unknown: fail
 * closed, as a fraud control must). Synchronous, in memory.
 */
export class MaxCostPolicy implements CostLimit {
  constructor(private readonly opts: MaxCostOptions) {}

  admit(input: Parameters<CostLimit['admit']>[0]): void {
    const { to, at } = input;
    const keyLimit = input.keyMaxCost === undefined ? undefined : Math.round(input.keyMaxCost * 1e6);
    for (const channel of input.channels) {
      const pricing = channel === 'sms' ? this.opts.smsPricing(to) : this.opts.callPricing(to, channel);
      if (!pricing || (keyLimit === undefined && pricing.maxCostMicros === undefined)) continue;
      const expected = this.dearest(pricing.decks, (deck) =>
        channel === 'sms'
          ? { trunk: deck, number: to, channel: 'sms', billsec: null, smsParts: input.smsParts ?? 1, answered: false, at }
          : { trunk: deck, number: to, channel: 'call', billsec: EXPECTED_CALL_SECONDS, smsParts: null, answered: true, at },
      );
      if (keyLimit !== undefined) judge(expected, keyLimit, channel, 'key');
      if (pricing.maxCostMicros !== undefined) judge(expected, pricing.maxCostMicros, channel, 'route');
    }
  }

  /** The dearest of the decks (undefined when one of them has no rate for the destination, or there is none: unknown cost). */
  private dearest(decks: readonly string[], query: (deck: string) => CostQuery): number | undefined {
    const model = this.opts.rates();
    if (decks.length === 0) return undefined;
    let dearest = 0;
    for (const deck of decks) {
      const cost = model?.cost(query(deck));
      if (cost === undefined) return undefined;
      dearest = Math.max(dearest, cost.micros);
    }
    return dearest;
  }
}

function judge(expected: number | undefined, limit: number, channel: string, source: Source): void {
  if (expected === undefined) throw new AppError('COST_LIMIT_EXCEEDED', { details: { channel, limit: source, reason: 'no-rate' } });
  if (expected > limit) throw new AppError('COST_LIMIT_EXCEEDED', { details: { channel, limit: source, reason: 'too-expensive' } });
}
