import type { Logger } from 'pino';
import { trunkRoutes } from '../api/routes/trunks';
import type { Config } from '../config/schema';
import type { ErrorCode } from '../lib/errors';
import type { DialerPbx } from '../pbx/dialer/dialer-pbx';
import type { TrunkLimits } from '../pbx/dialer/trunk-limiter';
import { compileTable, deckOf, implicitTable, type RouteTable } from '../routing/route-table';
import type { RoutePricing } from '../history/max-cost';
import { RoutedPbx } from '../routing/routed-pbx';
import { Router } from '../routing/router';
import type { SharedTrunkLimits } from '../routing/shared-limits';
import type { BreakerSettings } from '../routing/trunk-health';
import type { Metrics } from '../metrics/metrics';
import type { Base } from './base';
import type { Capability } from './capability';

export interface RoutingCapability extends Capability {
  router: Router;
  /** The dialer behind the router: routed calls go through the returned Pbx. */
  wrap(dialer: DialerPbx): RoutedPbx;
  /** Re-reads the configuration (SIGHUP, admin API). A bad file keeps what is in force. */
  reload(): { ok: true; trunks: number; routes: number } | { ok: false; problems: string[] };
  /** How a call to `to` would be priced (the `maxCost` policy): the decks of the trunk the route picks, the route's limit. */
  callPricing(to: string, channel: 'call' | 'reverse'): RoutePricing | undefined;
  /** The rate deck of a trunk by name (history prices each attempt with it). */
  trunkDeck(name: string): string;
}

export interface RoutingDeps {
  metrics: Metrics;
  /** Cluster-wide trunk caps (Redis store); per-engine limits only when absent. */
  shared?: SharedTrunkLimits | undefined;
  /** Loads and validates the configuration file again (the CLI's loader); reload is refused without it. */
  reloadConfig?: (() => Readonly<Config>) | undefined;
}

/** The route table of a configuration: `trunks:` + `routes:`, or the implicit single trunk of old. */
export function routeTableOf(config: Readonly<Config>): RouteTable {
  if (config.trunks.length === 0) return implicitTable(config.calls.trunk, config.routes, config.routing.stickyWindowSeconds * 1000);
  return compileTable(config.trunks, config.routes, config.routing.stickyWindowSeconds * 1000);
}

export function breakerOf(config: Readonly<Config>): BreakerSettings {
  const h = config.routing.health;
  return { window: h.window, minCalls: h.minCalls, minAsr: h.minAsr, maxConsecutiveFailures: h.maxConsecutiveFailures, openMs: h.openSeconds * 1000 };
}

/** Per-trunk limits for the dialer: `dialer.trunks`, overridden by each routed trunk's own caps. */
export function trunkLimitsOf(config: Readonly<Config>): Record<string, TrunkLimits> {
  const limits: Record<string, TrunkLimits> = { ...config.dialer.trunks };
  for (const trunk of config.trunks) {
    const base = limits[trunk.name] ?? config.dialer.defaultLimits;
    limits[trunk.name] = { cps: trunk.cps ?? base.cps, maxConcurrent: trunk.maxConcurrent ?? base.maxConcurrent };
  }
  return limits;
}

/**
 * `trunks`, `routes`, `routing`: the route table, caller-ID pools, trunk breakers, the router in
 * front of the dialer, reload (SIGHUP and POST /v1/admin/routing/reload) and GET /v1/trunks.
 */
export function routingCapability({ config, logger: root, clock, keys }: Base, deps: RoutingDeps): RoutingCapability {
  const logger: Logger = root.child({ component: 'routing' });
  const router = new Router(routeTableOf(config), breakerOf(config));
  let dialer: DialerPbx | undefined;
  let nodeNames: readonly string[] = [];

  const reload = (): ReturnType<RoutingCapability['reload']> => {
    if (!deps.reloadConfig) return { ok: false, problems: ['reload needs the engine started from a configuration file (pbxverify serve)'] };
    let next: Readonly<Config>;
    try {
      next = deps.reloadConfig();
    } catch (err) {
      const problems = (err as { problems?: string[] }).problems ?? [(err as Error).message];
      logger.warn({ problems }, 'routing reload refused; the previous configuration stays in force');
      return { ok: false, problems };
    }
    const problems: string[] = [];
    for (const [i, trunk] of next.trunks.entries()) {
      for (const [j, node] of (trunk.nodes ?? []).entries()) {
        if (nodeNames.length > 0 && !nodeNames.includes(node)) problems.push(`trunks.${i}.nodes.${j}: no running PBX node "${node}" (PBX nodes change only with a restart)`);
      }
    }
    let table: RouteTable;
    try {
      table = routeTableOf(next);
    } catch (err) {
      problems.push((err as Error).message);
      table = router.table;
    }
    if (problems.length) {
      logger.warn({ problems }, 'routing reload refused; the previous configuration stays in force');
      return { ok: false, problems };
    }
    // One assignment: a call that started keeps the table it took; the next call sees the new one.
    router.replace(table, breakerOf(next));
    dialer?.setTrunkLimits(trunkLimitsOf(next));
    logger.info({ trunks: table.trunks.size, routes: table.routes.length }, 'routing reloaded');
    return { ok: true, trunks: table.trunks.size, routes: table.routes.length };
  };

  const onRefusal = (code: ErrorCode): void => deps.metrics.refusalsTotal.inc({ code });

  return {
    name: 'routing',
    router,
    wrap(inner) {
      dialer = inner;
      nodeNames = inner.nodeNames;
      return new RoutedPbx(inner, router, clock, logger, deps.shared, config.dialer.queueTimeoutMs);
    },
    reload,
    callPricing(to, channel) {
      const first = router.firstTrunks(to, channel);
      return first && { decks: first.trunks.map(deckOf), maxCostMicros: first.route.maxCostMicros };
    },
    trunkDeck(name) {
      const trunk = router.table.trunks.get(name);
      return trunk ? deckOf(trunk) : name;
    },
    start: async () => undefined,
    stop: async () => {
      await deps.shared?.stop();
    },
    routes: [
      trunkRoutes({
        keys,
        logger,
        onRefusal,
        routing: {
          reload,
          trunks: async () => {
            const counts = new Map<string, number>();
            if (deps.shared) for (const name of router.table.trunks.keys()) counts.set(name, await deps.shared.inFlight(name));
            return router.describe((t) => counts.get(t.name) ?? dialer?.inProgress(t.dialTrunk) ?? null);
          },
        },
      }),
    ],
  };
}
