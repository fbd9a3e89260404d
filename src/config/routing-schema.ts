import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { checkDialTemplate, TRUNK_NAME } from '../pbx/dial-template';
import { NUMBER_TYPES } from './abuse-schema';
import { callerIdRange } from './inbound-schema';

/**
 * `trunks:`, `routes:` and `routing:` (docs/routing.md). Shapes are checked here; what needs the
 * whole picture (a route naming an unknown trunk, duplicate names, a caller ID outside a pool)
 * is checked by {@link routingProblems}, with the config path of each problem.
 */

const poolNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442037691880');
const trunkName = z.string().regex(TRUNK_NAME, 'must be 1-64 of A-Z a-z 0-9 _ . -');

export const ROUTE_CHANNELS = ['call', 'reverse', 'sms', 'flash_call'] as const;
export const CALLER_ID_STRATEGIES = ['fixed', 'round-robin', 'random', 'local', 'sticky'] as const;
export type CallerIdStrategyName = (typeof CALLER_ID_STRATEGIES)[number];

const template = (family: 'asterisk' | 'freeswitch') =>
  z.string().superRefine((value, ctx) => {
    const problem = checkDialTemplate(family, value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const trunkSchema = z.object({
  name: trunkName,
  /** PBX nodes that reach this trunk, by node name (`simulator`, `ari://host:8088`); every node when absent. */
  nodes: z.array(z.string().min(1)).min(1).optional(),
  /** Dial template per PBX family; the driver's own template (with `{trunk}` = name) when absent. */
  dial: z.object({ asterisk: template('asterisk').optional(), freeswitch: template('freeswitch').optional() }).strict().prefault({}),
  /** How `{number}` is written: `e164` (+442037691880), `digits` (442037691880), `national` (2037691880). */
  numberFormat: z.enum(['e164', 'digits', 'national']).default('e164'),
  /** Digits put before `{number}` (carrier tech prefix, `00`, …). */
  techPrefix: z.string().regex(/^[0-9]{1,10}$/, 'must be 1-10 digits').optional(),
  /** Carrier caps; `dialer.trunks.<name>` / `dialer.defaultLimits` when absent. */
  maxConcurrent: z.number().int().min(1).max(100_000).optional(),
  cps: z.number().positive().max(1000).optional(),
  /** The numbers this trunk may present. Only these are ever sent as caller ID on it. */
  callerIds: z.array(poolNumber).min(1, 'must list at least one caller ID (an empty pool presents nothing)'),
  /** Flash calls: the trunk lets the engine present any number of this range (`+4420376900XXXX`). */
  callerIdRange: callerIdRange.optional(),
  /** Name of the rate deck that prices calls on this trunk (`pbxverify rates import --trunk NAME`); the trunk's name when absent. */
  rateDeck: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
});
export type TrunkConfig = z.infer<typeof trunkSchema>;

const callerIdSchema = z.union([
  z.enum(CALLER_ID_STRATEGIES),
  z
    .object({
      strategy: z.enum(CALLER_ID_STRATEGIES),
      /** `fixed`: the number to present (must be in each trunk's pool); the pool's first otherwise. */
      number: poolNumber.optional(),
      /** `local`: presented when no pool number shares a prefix or the country; the pool's first otherwise. */
      fallback: poolNumber.optional(),
      /** `sticky`: how long one callee keeps its caller ID. */
      windowSeconds: z.number().int().min(1).max(30 * 86400).optional(),
    })
    .strict(),
]);

const routeTrunkSchema = z.union([trunkName, z.object({ name: trunkName, weight: z.number().int().min(1).max(1000) }).strict()]);
const gatewayName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be an SMS gateway name (pbx or a name from smsGateways)');
const routeGatewaySchema = z.union([gatewayName, z.object({ name: gatewayName, weight: z.number().int().min(1).max(1000) }).strict()]);

export const routeSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  /** Everything given must match; an empty match serves every number. */
  match: z
    .object({
      countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO country code such as GB')).min(1).optional(),
      prefixes: z.array(z.string().regex(/^\+?[0-9]{1,15}$/, 'must be digits with an optional leading +')).min(1).optional(),
      numberTypes: z.array(z.enum(NUMBER_TYPES)).min(1).optional(),
      channels: z.array(z.enum(ROUTE_CHANNELS)).min(1).optional(),
    })
    .strict()
    .prefault({}),
  /** In failover order; with weights, the order is drawn by weight for each call. Empty on an SMS-only route. */
  trunks: z.array(routeTrunkSchema).default([]),
  /** SMS gateways (`pbx` or names from `smsGateways`) of the `sms` channel, as `trunks` are for calls. */
  gateways: z.array(routeGatewaySchema).min(1).optional(),
  callerId: callerIdSchema.default('fixed'),
  /** Refuse calls or SMS on this route whose expected cost per attempt exceeds this (docs/history.md "maxCost"). */
  maxCost: z.number().min(0).max(1_000_000).optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

export const routingSettingsSchema = z
  .object({
    /** `sticky` caller IDs: default window. */
    stickyWindowSeconds: z.number().int().min(1).max(30 * 86400).default(86400),
    /** Trunk breaker (docs/routing.md "Trunk health"). */
    health: z
      .object({
        /** Calls in the sliding window the answer-seizure ratio is computed on. */
        window: z.number().int().min(5).max(10_000).default(50),
        /** Fewest calls in the window before the ratio can open the breaker. */
        minCalls: z.number().int().min(1).max(10_000).default(20),
        /** The breaker opens when the ratio falls below this. 0 disables the ratio rule. */
        minAsr: z.number().min(0).max(1).default(0.05),
        /** …or after this many trunk-cause failures in a row. */
        maxConsecutiveFailures: z.number().int().min(1).max(1000).default(5),
        /** How long an open trunk rests before one probe call is let through. */
        openSeconds: z.number().int().min(1).max(3600).default(30),
      })
      .prefault({}),
    /** Cluster-wide caps (Redis store): a slot lease lasts this long unless renewed by a live engine. */
    leaseSeconds: z.number().int().min(2).max(600).default(30),
  })
  .prefault({});

/** Digits of the calling code of an ISO country, or undefined when libphonenumber does not know it. */
export function callingCodeOf(country: string): string | undefined {
  return isSupportedCountry(country) ? getCountryCallingCode(country) : undefined;
}

/** Cross-field problems of `trunks` + `routes`, each with its config path. */
export function routingProblems(trunks: readonly TrunkConfig[], routes: readonly RouteConfig[], smsGateways?: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  for (const [i, trunk] of trunks.entries()) {
    const first = names.get(trunk.name);
    if (first !== undefined) problems.push(`trunks.${i}.name: duplicate trunk name "${trunk.name}" (also trunks.${first})`);
    else names.set(trunk.name, i);
    const seen = new Set<string>();
    for (const [j, number] of trunk.callerIds.entries()) {
      if (seen.has(number)) problems.push(`trunks.${i}.callerIds.${j}: duplicate caller ID in the pool`);
      seen.add(number);
    }
    if (trunk.numberFormat === 'national' && trunk.dial.asterisk === undefined && trunk.dial.freeswitch === undefined) {
      problems.push(`trunks.${i}.numberFormat: "national" needs a dial template of the trunk's own ({number} is E.164 in the drivers' templates)`);
    }
  }
  if (routes.some((r) => r.trunks.length > 0) && trunks.length === 0) problems.push('routes: needs trunks: (a route names trunks)');
  const routeNames = new Set<string>();
  for (const [i, route] of routes.entries()) {
    if (route.name !== undefined) {
      if (routeNames.has(route.name)) problems.push(`routes.${i}.name: duplicate route name "${route.name}"`);
      routeNames.add(route.name);
    }
    for (const [k, country] of (route.match.countries ?? []).entries()) {
      if (callingCodeOf(country) === undefined) problems.push(`routes.${i}.match.countries.${k}: "${country}" is not a country libphonenumber knows`);
    }
    const used = new Set<string>();
    const routeTrunks: TrunkConfig[] = [];
    for (const [k, entry] of route.trunks.entries()) {
      const name = typeof entry === 'string' ? entry : entry.name;
      const index = names.get(name);
      if (index === undefined) problems.push(`routes.${i}.trunks.${k}: unknown trunk "${name}"`);
      else routeTrunks.push(trunks[index]!);
      if (used.has(name)) problems.push(`routes.${i}.trunks.${k}: trunk "${name}" is listed twice`);
      used.add(name);
    }
    const weighted = route.trunks.filter((t) => typeof t !== 'string').length;
    if (weighted > 0 && weighted < route.trunks.length) problems.push(`routes.${i}.trunks: give every trunk a weight, or none`);
    problems.push(...smsRouteProblems(route, i, trunks.length > 0, smsGateways));
    const cid = typeof route.callerId === 'string' ? { strategy: route.callerId } : route.callerId;
    if ('number' in cid && cid.number !== undefined) {
      if (cid.strategy !== 'fixed') problems.push(`routes.${i}.callerId.number: only the fixed strategy presents one number`);
      for (const trunk of routeTrunks) {
        if (!trunk.callerIds.includes(cid.number)) problems.push(`routes.${i}.callerId.number: not in the caller-ID pool of trunk "${trunk.name}"`);
      }
    }
    if ('fallback' in cid && cid.fallback !== undefined) {
      for (const trunk of routeTrunks) {
        if (!trunk.callerIds.includes(cid.fallback)) problems.push(`routes.${i}.callerId.fallback: not in the caller-ID pool of trunk "${trunk.name}"`);
      }
    }
  }
  return problems;
}

/**
 * A route's channels against what it names: call channels need trunks, `sms` needs gateways
 * (known ones), and gateways on a route whose channels leave out `sms` would never be used.
 */
function smsRouteProblems(route: RouteConfig, i: number, haveTrunks: boolean, smsGateways: ReadonlySet<string> | undefined): string[] {
  const problems: string[] = [];
  const channels = route.match.channels;
  const callChannels = channels === undefined ? ['call', 'reverse'] : channels.filter((c) => c !== 'sms');
  if (route.trunks.length === 0 && callChannels.length > 0 && (haveTrunks || route.gateways === undefined)) {
    problems.push(`routes.${i}.trunks: must name at least one trunk (or set match.channels: [sms] for an SMS-only route)`);
  }
  if (channels?.includes('sms') && route.gateways === undefined) problems.push(`routes.${i}.gateways: a route with channel sms must name at least one SMS gateway`);
  if (route.gateways === undefined) return problems;
  if (channels !== undefined && !channels.includes('sms')) problems.push(`routes.${i}.gateways: the route's channels leave out sms, so its gateways are never used`);
  const used = new Set<string>();
  for (const [k, entry] of route.gateways.entries()) {
    const name = typeof entry === 'string' ? entry : entry.name;
    if (smsGateways !== undefined && !smsGateways.has(name)) problems.push(`routes.${i}.gateways.${k}: no SMS gateway named "${name}" (pbx or a name from smsGateways)`);
    if (used.has(name)) problems.push(`routes.${i}.gateways.${k}: gateway "${name}" is listed twice`);
    used.add(name);
  }
  const weighted = route.gateways.filter((g) => typeof g !== 'string').length;
  if (weighted > 0 && weighted < route.gateways.length) problems.push(`routes.${i}.gateways: give every gateway a weight, or none`);
  return problems;
}

/** The names the dialer gives the nodes of `pbx` (`scheme://host:port`, never credentials; `#2`… for repeats). */
export function pbxNodeNames(urls: readonly string[]): string[] {
  const names: string[] = [];
  for (const url of urls) {
    const base = nodeName(url);
    let name = base;
    for (let i = 2; names.includes(name); i++) name = `${base}#${i}`;
    names.push(name);
  }
  return names;
}

function nodeName(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : url;
  } catch {
    return url.split(':')[0] ?? 'pbx';
  }
}
