import { randomInt } from 'node:crypto';
import { callingCodeOf as callingCodeOfCountry, type RouteConfig, type TrunkConfig } from '../config/routing-schema';
import type { DialFamily } from '../pbx/dial-template';
import { CallerIdPool, type CallerIdStrategy } from './caller-id';
import { isSharedCode, type NumberFacts } from './number-facts';
import { PrefixTrie } from './prefix-trie';

/** A carrier trunk, compiled from `trunks:` (or the implicit trunk of a single-trunk config). */
export interface Trunk {
  name: string;
  /** The trunk name given to the driver's template (`{trunk}`); undefined for an implicit trunk without `calls.trunk`. */
  dialTrunk: string | undefined;
  /** PBX node names that reach it; every node when undefined. */
  nodes: ReadonlySet<string> | undefined;
  /** The trunk's own templates; the driver's configured template when absent. */
  dial: Readonly<Partial<Record<DialFamily, string>>> | undefined;
  numberFormat: 'e164' | 'digits' | 'national';
  techPrefix: string | undefined;
  /** Caller-ID pool; undefined only for the implicit trunk, which presents the request's caller ID. */
  pool: CallerIdPool | undefined;
  /** Flash calls: any number of this range may be presented (`+4420376900XXXX`). */
  callerIdRange?: string | undefined;
  maxConcurrent: number | undefined;
  cps: number | undefined;
  rateDeck: string | undefined;
  implicit: boolean;
}

/** The rate deck that prices calls on a trunk: its `rateDeck`, else its name (`default` for the implicit trunk). */
export function deckOf(trunk: Trunk): string {
  return trunk.rateDeck ?? trunk.name;
}

export type RouteChannel = 'call' | 'reverse' | 'sms' | 'flash_call';

export interface Route {
  index: number;
  name: string;
  trunks: ReadonlyArray<{ trunk: Trunk; weight: number | undefined }>;
  callerId: CallerIdStrategy;
  countries: ReadonlySet<string> | undefined;
  numberTypes: ReadonlySet<string> | undefined;
  channels: ReadonlySet<RouteChannel> | undefined;
  /** True when the route has prefixes (then countries, if any, are checked on the number). */
  hasPrefixes: boolean;
  /** The trunks in listed order (shared by every decision; never mutated). */
  ordered: readonly Trunk[];
  /** `maxCost` of the route (micro-units per attempt); undefined: no limit. */
  maxCostMicros?: number | undefined;
  /** SMS gateway names of the `sms` channel, with their weights (empty: the route serves no SMS). */
  gateways: ReadonlyArray<{ name: string; weight: number | undefined }>;
}

/** What the table decided for one call. */
export interface RouteDecision {
  route: Route;
  /** Trunks in the order to try them (weights drawn for this call). */
  trunks: readonly Trunk[];
  /** The order was drawn by weight for this call: any of the route's trunks may be tried first. */
  drawn: boolean;
}

/** What the table decided for one SMS. */
export interface SmsRouteDecision {
  route: Route;
  /** Gateway names in the order to try them (weights drawn for this message). */
  gateways: readonly string[];
  /** The order was drawn by weight for this message: any of the route's gateways may be tried first. */
  drawn: boolean;
}

interface Entry {
  route: Route;
  /** The exact country to confirm when the matched calling code is shared by several countries. */
  country: string | undefined;
}

/**
 * The route table: every route's prefixes (and the calling codes of its countries) in one digit
 * trie. A decision walks the destination's digits once; among the routes found, the longest
 * prefix wins and, at equal length, the earlier route in `routes:`. A route without prefixes or
 * countries matches every number (length 0). Country and number-type checks that need the full
 * metadata run only on the candidates that ask for them.
 */
export class RouteTable {
  readonly trunks: ReadonlyMap<string, Trunk>;
  readonly routes: readonly Route[];
  private readonly trie = new PrefixTrie<Entry>();

  constructor(trunks: readonly Trunk[], routes: readonly Route[]) {
    this.trunks = new Map(trunks.map((t) => [t.name, t]));
    this.routes = routes;
    for (const route of routes) {
      if (route.hasPrefixes) continue;
      if (route.countries === undefined) {
        this.trie.add('', { route, country: undefined });
        continue;
      }
      for (const country of route.countries) {
        const code = callingCodeOfCountry(country) as string;
        this.trie.add(code, { route, country: isSharedCode(code) ? country : undefined });
      }
    }
  }

  /** Adds a route's prefixes (separate so the constructor stays one pass over the routes). */
  static build(trunks: readonly Trunk[], routes: readonly Route[], prefixes: ReadonlyMap<Route, readonly string[]>): RouteTable {
    const table = new RouteTable(trunks, routes);
    for (const route of routes) for (const prefix of prefixes.get(route) ?? []) table.trie.add(prefix.replace(/^\+/, ''), { route, country: undefined });
    return table;
  }

  /** Some route names SMS gateways: SMS are routed (NO_ROUTE applies), not sent through `sms.gateway(s)`. */
  get smsRouted(): boolean {
    return this.routes.some((r) => r.gateways.length > 0);
  }

  /** The route for `to` (E.164) on `channel`, or undefined (NO_ROUTE). */
  decide(to: string, channel: RouteChannel | undefined, facts: () => NumberFacts): RouteDecision | undefined {
    const best = this.match(to, channel, facts);
    return best ? { route: best, trunks: order(best.trunks, best.ordered), drawn: drawn(best.trunks) } : undefined;
  }

  /** The SMS route for `to`, or undefined (NO_ROUTE). Same trie and precedence as calls. */
  decideSms(to: string, facts: () => NumberFacts): SmsRouteDecision | undefined {
    const best = this.match(to, 'sms', facts);
    return best ? { route: best, gateways: order(best.gateways.map((g) => ({ trunk: g.name, weight: g.weight })), best.gateways.map((g) => g.name)), drawn: drawn(best.gateways) } : undefined;
  }

  private match(to: string, channel: RouteChannel | undefined, facts: () => NumberFacts): Route | undefined {
    const best = this.trie.deepestFirst(to, 1, (values) => {
      let found: Entry | undefined;
      for (const entry of values) {
        if (found && found.route.index < entry.route.index) continue;
        if (this.accepts(entry, channel, facts)) found = entry;
      }
      return found;
    });
    return best?.route;
  }

  /** Every trunk some route matching `to` may use (for the caller-ID pool check at start). */
  trunksFor(to: string, channels: readonly RouteChannel[], facts: () => NumberFacts): Trunk[] | undefined {
    const seen = new Set<Trunk>();
    let any = false;
    for (const channel of channels) {
      const decision = this.decide(to, channel, facts);
      if (!decision) return undefined;
      any = true;
      for (const t of decision.route.trunks) seen.add(t.trunk);
    }
    return any ? [...seen] : [];
  }

  private accepts(entry: Entry, channel: RouteChannel | undefined, facts: () => NumberFacts): boolean {
    const { route } = entry;
    if (route.channels && channel !== undefined && !route.channels.has(channel)) return false;
    if (channel === 'sms' ? route.gateways.length === 0 : route.trunks.length === 0) return false;
    // A flash call needs a pool or range made for it: only routes that name the channel serve it
    // (the implicit single trunk excepted, whose caller IDs come from `flashCall:`).
    if (channel === 'flash_call' && !route.channels?.has('flash_call') && !route.ordered.every((t) => t.implicit)) return false;
    if (entry.country !== undefined && facts().country !== entry.country) return false;
    if (route.hasPrefixes && route.countries && !route.countries.has(facts().country ?? '')) return false;
    if (route.numberTypes && !route.numberTypes.has(facts().type)) return false;
    return true;
  }
}

/** The entries' order is drawn by weight per call or message (else it is the listed one). */
function drawn(entries: ReadonlyArray<{ weight: number | undefined }>): boolean {
  return entries.length >= 2 && entries[0]?.weight !== undefined;
}

/** The order for one call (trunks) or one SMS (gateways): as listed, or drawn by weight without replacement. */
function order<T>(entries: ReadonlyArray<{ trunk: T; weight: number | undefined }>, listed: readonly T[]): readonly T[] {
  if (!drawn(entries)) return listed;
  const left = [...entries];
  const out: T[] = [];
  while (left.length) {
    const total = left.reduce((sum, t) => sum + (t.weight ?? 1), 0);
    let pick = randomInt(total);
    let i = 0;
    for (; i < left.length - 1; i++) {
      pick -= left[i]?.weight ?? 1;
      if (pick < 0) break;
    }
    out.push((left.splice(i, 1)[0] as { trunk: T }).trunk);
  }
  return out;
}

/** Compiles `trunks:` + `routes:` (validated by the schema) into a table. */
export function compileTable(trunkConfigs: readonly TrunkConfig[], routeConfigs: readonly RouteConfig[], stickyWindowMs: number): RouteTable {
  const trunks = trunkConfigs.map(compileTrunk);
  const { routes, prefixes } = compileRoutes(new Map(trunks.map((t) => [t.name, t])), routeConfigs, stickyWindowMs);
  return RouteTable.build(trunks, routes, prefixes);
}

function compileRoutes(byName: ReadonlyMap<string, Trunk>, routeConfigs: readonly RouteConfig[], stickyWindowMs: number): { routes: Route[]; prefixes: Map<Route, readonly string[]> } {
  const prefixes = new Map<Route, readonly string[]>();
  const routes = routeConfigs.map((config, index): Route => {
    const cid = typeof config.callerId === 'string' ? { strategy: config.callerId } : config.callerId;
    const route: Route = {
      index,
      name: config.name ?? `routes.${index}`,
      trunks: config.trunks.map((entry) => {
        const name = typeof entry === 'string' ? entry : entry.name;
        const trunk = byName.get(name);
        if (!trunk) throw new RangeError(`routes.${index}: unknown trunk "${name}"`);
        return { trunk, weight: typeof entry === 'string' ? undefined : entry.weight };
      }),
      callerId: {
        kind: cid.strategy,
        number: 'number' in cid ? cid.number : undefined,
        fallback: 'fallback' in cid ? cid.fallback : undefined,
        windowMs: ('windowSeconds' in cid && cid.windowSeconds !== undefined ? cid.windowSeconds * 1000 : undefined) ?? stickyWindowMs,
      },
      countries: config.match.countries ? new Set(config.match.countries) : undefined,
      numberTypes: config.match.numberTypes ? new Set(config.match.numberTypes) : undefined,
      channels: config.match.channels ? new Set(config.match.channels) : undefined,
      hasPrefixes: config.match.prefixes !== undefined,
      ordered: [],
      maxCostMicros: config.maxCost === undefined ? undefined : Math.round(config.maxCost * 1e6),
      gateways: (config.gateways ?? []).map((entry) => (typeof entry === 'string' ? { name: entry, weight: undefined } : entry)),
    };
    route.ordered = route.trunks.map((t) => t.trunk);
    if (config.match.prefixes) prefixes.set(route, config.match.prefixes);
    return route;
  });
  return { routes, prefixes };
}

export function compileTrunk(config: TrunkConfig): Trunk {
  const dial = config.dial.asterisk !== undefined || config.dial.freeswitch !== undefined ? { ...config.dial } : undefined;
  return {
    name: config.name,
    dialTrunk: config.name,
    nodes: config.nodes ? new Set(config.nodes) : undefined,
    dial: dial as Trunk['dial'],
    numberFormat: config.numberFormat,
    techPrefix: config.techPrefix,
    pool: new CallerIdPool(config.callerIds),
    callerIdRange: config.callerIdRange,
    maxConcurrent: config.maxConcurrent,
    cps: config.cps,
    rateDeck: config.rateDeck,
    implicit: false,
  };
}

/**
 * The single-trunk configuration of old (`calls.trunk`, no `trunks:`) as a one-route table, plus
 * the SMS-only routes of `routes:` when there are some (calls keep the implicit trunk).
 */
export function implicitTable(trunkName: string | undefined, smsRoutes: readonly RouteConfig[] = [], stickyWindowMs = 0): RouteTable {
  const trunk: Trunk = {
    name: trunkName ?? 'default',
    dialTrunk: trunkName,
    nodes: undefined,
    dial: undefined,
    numberFormat: 'e164',
    techPrefix: undefined,
    pool: undefined,
    maxConcurrent: undefined,
    cps: undefined,
    rateDeck: undefined,
    implicit: true,
  };
  const { routes, prefixes } = compileRoutes(new Map(), smsRoutes, stickyWindowMs);
  const route: Route = { index: routes.length, name: 'default', trunks: [{ trunk, weight: undefined }], callerId: { kind: 'fixed', windowMs: 0 }, countries: undefined, numberTypes: undefined, channels: undefined, hasPrefixes: false, ordered: [trunk], gateways: [] };
  return RouteTable.build([trunk], [...routes, route], prefixes);
}

/** `{number}` as the trunk dials it. */
export function dialNumberFor(trunk: Trunk, to: string, facts: () => NumberFacts): string {
  const body = trunk.numberFormat === 'e164' ? to : trunk.numberFormat === 'digits' ? to.slice(1) : (facts().national ?? to.slice(1));
  return `${trunk.techPrefix ?? ''}${body}`;
}

export { callingCodeOf } from './number-facts';
