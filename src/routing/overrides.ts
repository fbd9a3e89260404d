import { z } from 'zod';
import { routeSchema, routeTrunkSchema, routingProblems, trunkSchema, type RouteConfig, type TrunkConfig } from '../config/routing-schema';

/**
 * Admin edits of the routing, kept beside the configuration file as an override layer (in the
 * history database): a trunk's drain switch, caps and caller-ID pool, a route's trunks (order or
 * weights). The file stays the source of everything else; an override names its trunk or route,
 * and the merged result is checked with the configuration's own schemas and cross-field rules.
 */

/** What an admin may set on a trunk. Absent fields keep the file's value. Same field schemas as `trunks:`. */
export const trunkEditSchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxConcurrent: trunkSchema.shape.maxConcurrent,
  cps: trunkSchema.shape.cps,
  callerIds: trunkSchema.shape.callerIds.optional(),
});
export type TrunkEdit = z.infer<typeof trunkEditSchema>;

/** A route's trunks in failover order, or all with weights (as `routes[].trunks`). */
export const routeEditSchema = z.strictObject({ trunks: z.array(routeTrunkSchema).min(1, 'must name at least one trunk') });
export type RouteEdit = z.infer<typeof routeEditSchema>;

export type OverrideKind = 'trunk' | 'route';

export interface RoutingOverride {
  kind: OverrideKind;
  /** The trunk's name, or the route's (`name`, else `routes.N`). */
  name: string;
  body: TrunkEdit | RouteEdit;
  updatedAt: number;
  /** Console user or API key id. */
  updatedBy: string;
}

/** Where overrides are kept (src/history/sql/routing-overrides-store.ts). Every method rejects when the database is away. */
export interface RoutingOverrideStore {
  list(): Promise<RoutingOverride[]>;
  /** Replaces the override of that trunk or route. */
  put(override: RoutingOverride): Promise<void>;
  /** False when there was none. */
  remove(kind: OverrideKind, name: string): Promise<boolean>;
}

/** A route's name as overrides and the API call it. */
export function routeName(route: RouteConfig, index: number): string {
  return route.name ?? `routes.${index}`;
}

export interface Applied {
  trunks: TrunkConfig[];
  routes: RouteConfig[];
  /** Each problem with its path (`trunks.carrier-a.cps: …`); empty when the result is valid. */
  problems: string[];
  /** Overrides naming a trunk or route the file no longer has (ignored). */
  stale: string[];
}

/** The file's trunks and routes with the overrides laid over them, checked as the configuration is. */
export function applyOverrides(trunks: readonly TrunkConfig[], routes: readonly RouteConfig[], overrides: readonly RoutingOverride[]): Applied {
  const problems: string[] = [];
  const stale: string[] = [];
  const outTrunks = [...trunks];
  const outRoutes = [...routes];
  for (const o of overrides) {
    const i = o.kind === 'trunk' ? outTrunks.findIndex((t) => t.name === o.name) : outRoutes.findIndex((r, n) => routeName(r, n) === o.name);
    if (i < 0) {
      stale.push(`${o.kind} ${o.name}`);
      continue;
    }
    const parsed = o.kind === 'trunk' ? trunkSchema.safeParse({ ...outTrunks[i], ...defined(o.body) }) : routeSchema.safeParse({ ...outRoutes[i], ...defined(o.body) });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${o.kind}s.${o.name}.${issue.path.join('.')}: ${issue.message}`);
      continue;
    }
    if (o.kind === 'trunk') outTrunks[i] = parsed.data as TrunkConfig;
    else outRoutes[i] = parsed.data as RouteConfig;
  }
  if (problems.length === 0) problems.push(...routingProblems(outTrunks, outRoutes).map((p) => namedPath(p, outTrunks, outRoutes)));
  return { trunks: outTrunks, routes: outRoutes, problems, stale };
}

/** `trunks.0.callerIds.1: …` as `trunks.carrier-a.callerIds.1: …` (what the admin edited is named, not numbered). */
function namedPath(problem: string, trunks: readonly TrunkConfig[], routes: readonly RouteConfig[]): string {
  return problem.replace(/^(trunks|routes)\.(\d+)/, (whole, list: string, n: string) => {
    const i = Number(n);
    const name = list === 'trunks' ? trunks[i]?.name : routes[i] ? routeName(routes[i], i) : undefined;
    return name === undefined ? whole : `${list}.${name}`;
  });
}

/** The field of the first problem about the edited trunk or route (`cps`, `callerIds`), for the form. */
export function fieldOf(problems: readonly string[], kind: OverrideKind, name: string): string | undefined {
  const prefix = `${kind}s.${name}.`;
  const hit = problems.find((p) => p.startsWith(prefix));
  return hit?.slice(prefix.length).split(/[.:]/)[0];
}

/** The fields given (an absent or undefined field keeps the file's value). */
function defined(body: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
