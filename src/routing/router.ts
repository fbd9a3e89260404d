import { AppError } from '../lib/errors';
import { CallerIdChooser } from './caller-id';
import { lazyFacts, type NumberFacts } from './number-facts';
import type { RouteChannel, RouteDecision, RouteTable, SmsRouteDecision, Trunk } from './route-table';
import { TrunkHealth, type BreakerSettings, type TrunkFigures } from './trunk-health';

/** One trunk as GET /v1/trunks shows it. */
export interface TrunkView extends TrunkFigures {
  name: string;
  implicit: boolean;
  nodes: string[] | null;
  caller_ids: string[];
  max_concurrent: number | null;
  cps: number | null;
  rate_deck: string | null;
  /** Calls on the trunk now, cluster-wide when the limits are shared (Redis), else on this engine. */
  cluster_in_flight: number | null;
}

/**
 * The routing state of one engine: the current route table (swapped whole on reload, so a call
 * sees one table from its first trunk to its last), the caller-ID chooser, and one breaker per
 * trunk name (kept across reloads: a reload does not forget that a carrier is failing).
 */
export class Router {
  private current: RouteTable;
  private breaker: BreakerSettings;
  private readonly health = new Map<string, TrunkHealth>();
  readonly chooser: CallerIdChooser;

  constructor(
    table: RouteTable,
    breaker: BreakerSettings,
    readonly now: () => number = Date.now,
  ) {
    this.current = table;
    this.breaker = breaker;
    this.chooser = new CallerIdChooser(now);
    this.sync();
  }

  get table(): RouteTable {
    return this.current;
  }

  /** Routing is explicit (`trunks:` configured): NO_ROUTE and caller-ID pools apply. */
  get explicit(): boolean {
    return ![...this.current.trunks.values()].every((t) => t.implicit);
  }

  /** Installs a new table atomically; calls in flight keep the table they started with. */
  replace(table: RouteTable, breaker: BreakerSettings): void {
    this.current = table;
    this.breaker = breaker;
    this.sync();
  }

  decide(to: string, channel: RouteChannel | undefined, facts: () => NumberFacts = lazyFacts(to)): RouteDecision | undefined {
    return this.current.decide(to, channel, facts);
  }

  /**
   * The trunks a call to `to` may be placed on first now, as RoutedPbx would try them: every
   * trunk of a weighted route (its order is drawn per call), else the first whose breaker lets
   * calls through (open ones are skipped). The `maxCost` policy prices a call with their decks.
   * Undefined: NO_ROUTE.
   */
  firstTrunks(to: string, channel: RouteChannel | undefined): { route: RouteDecision['route']; trunks: readonly Trunk[] } | undefined {
    const decision = this.decide(to, channel);
    if (!decision) return undefined;
    const { route } = decision;
    if (decision.drawn) return { route, trunks: route.ordered };
    const now = this.now();
    const first = decision.trunks.find((t) => this.healthOf(t).stateAt(now) !== 'open') ?? decision.trunks[0];
    return { route, trunks: first ? [first] : [] };
  }

  /**
   * The SMS gateways for `to`: `unrouted` when no route names SMS gateways (then `sms.gateway(s)`
   * applies), undefined when routes do and none serves `to` (NO_ROUTE).
   */
  decideSms(to: string, facts: () => NumberFacts = lazyFacts(to)): SmsRouteDecision | 'unrouted' | undefined {
    const table = this.current;
    return table.smsRouted ? table.decideSms(to, facts) : 'unrouted';
  }

  /**
   * Checked when a verification starts, before anything is sent or dialled: a route must serve
   * `to` on every channel of the workflow (NO_ROUTE; `sms` only when SMS are routed), and a
   * requested caller ID must be in the pool of a trunk of the call routes (CALLER_ID_NOT_IN_POOL).
   */
  admit(to: string, channels: readonly RouteChannel[], callerId: string | undefined): void {
    const facts = lazyFacts(to);
    if (channels.includes('sms') && this.decideSms(to, facts) === undefined) {
      throw new AppError('NO_ROUTE', { details: { field: 'to', channels: ['sms'] } });
    }
    const calls = channels.filter((c) => c !== 'sms');
    if (calls.length === 0) return;
    const trunks = this.current.trunksFor(to, calls, facts);
    if (trunks === undefined) throw new AppError('NO_ROUTE', { details: { field: 'to', channels: calls } });
    if (callerId !== undefined && this.explicit && !trunks.some((t) => t.pool?.has(callerId))) {
      throw new AppError('CALLER_ID_NOT_IN_POOL', { details: { field: 'caller_id' } });
    }
  }

  healthOf(trunk: Trunk | string): TrunkHealth {
    const name = typeof trunk === 'string' ? trunk : trunk.name;
    let health = this.health.get(name);
    if (!health) {
      health = new TrunkHealth(name, this.breaker);
      this.health.set(name, health);
    }
    return health;
  }

  /** Every trunk of the current table with its breaker and figures. */
  describe(inFlight: (trunk: Trunk) => number | null = () => null): TrunkView[] {
    const now = this.now();
    return [...this.current.trunks.values()].map((t) => ({
      name: t.name,
      implicit: t.implicit,
      nodes: t.nodes ? [...t.nodes] : null,
      caller_ids: t.pool ? [...t.pool.numbers] : [],
      max_concurrent: t.maxConcurrent ?? null,
      cps: t.cps ?? null,
      rate_deck: t.rateDeck ?? null,
      cluster_in_flight: inFlight(t),
      ...this.healthOf(t).describe(now),
    }));
  }

  private sync(): void {
    for (const trunk of this.current.trunks.values()) this.healthOf(trunk).configure(this.breaker);
  }
}
