import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { KeyRing } from './api/keys';
import { abuseCapability } from './app/abuse';
import { apiCapability } from './app/api';
import { consoleCapability, liveEvents } from './app/console';
import { createBase, type BaseOptions } from './app/base';
import { metricsCapability } from './app/metrics';
import { fraudCapability } from './app/fraud';
import { historyCapability } from './app/history';
import { inboundCapability } from './app/inbound';
import { routesOf, startAll, stopAll, tickAll, type Capability } from './app/capability';
import { channelRunner, pbxCapability } from './app/pbx';
import { routingCapability } from './app/routing';
import { smsCapability } from './app/sms';
import { storeCapability } from './app/store';
import { verificationCapability } from './app/verification';
import { webhooksCapability } from './app/webhooks';
import type { Config } from './config/schema';
import type { Clock } from './lib/clock';
import { Metrics } from './metrics/metrics';
import type { Pbx } from './pbx/port';
import type { PromptCatalog } from './prompts/catalog';
import type { Store } from './store/port';
import type { VerificationService } from './verification/service';

// What the CLI, the tests and the benches take from here.
export { createLogger, newInstanceId, ROOT_DIR } from './app/base';
export { buildPbx, buildPbxNode, simulatorOf, simulatorsOf, type PbxDeps } from './app/pbx';

export interface Engine {
  config: Readonly<Config>;
  logger: Logger;
  app: FastifyInstance;
  service: VerificationService;
  store: Store;
  pbx: Pbx;
  /** This engine's identity among several on one store (leases, attempts, abort requests). */
  instanceId: string;
  keys: KeyRing;
  catalog: PromptCatalog;
  clock: Clock;
  /** Set when no key was configured: a development key made for this run only. */
  devKey?: { id: string; secret: string; webhookSecret: string } | undefined;
  /** Set when the engine secret was generated for this run only. */
  ephemeralSecret: boolean;
  /** Starts the PBX, background loops and the HTTP listener; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /** Graceful stop: no new requests, running calls hung up, loops drained. */
  stop(): Promise<void>;
  /** Development mode, first start: the console admin made because none existed (show it once). */
  consoleFirstOperator(): { username: string; password: string } | undefined;
  /** Re-reads trunks, routes and caller-ID pools (SIGHUP); a bad file keeps what is in force. */
  reloadRouting(): { ok: true; trunks: number; routes: number } | { ok: false; problems: string[] };
}

export type EngineOptions = BaseOptions;

/**
 * The composition root: builds each capability's wiring (src/app/) in dependency order, starts
 * them in that order and stops them in reverse. A new capability is a file in src/app/ and a
 * line here.
 */
export async function createEngine(config: Readonly<Config>, options: EngineOptions = {}): Promise<Engine> {
  const base = createBase(config, options);
  // Gauges are read at scrape time, once every capability below exists.
  const metrics: Metrics = new Metrics({
    pbxReady: () => (pbx.pbx.health().ready ? 1 : 0),
    runningAttempts: () => verification.service.runningAttempts(),
    pendingWebhooks: () => store.store.pendingWebhooks(),
    historyBacklog: () => history.backlog(),
  });

  const store = storeCapability(base);
  const history = historyCapability(base, { redis: store.redis, metrics });
  const webhooks = webhooksCapability(base, { store: store.store, metrics, onDelivery: history.onDelivery });
  const fraud = fraudCapability(base, { redis: store.redis, metrics, operatorAlerts: (source, target) => webhooks.operatorAlerts(source, target) });
  const abuse = await abuseCapability(base, { store: store.store, metrics });
  const routing = routingCapability(base, { metrics, shared: store.trunkLimits, reloadConfig: options.reloadConfig });
  const live = liveEvents(base);
  const pbx = pbxCapability(base);
  const sms = smsCapability(base, { pbx: pbx.pbx, metrics, router: routing.router, index: store.store, relay: store.smsRelay, smsPrice: (deck, to) => history.smsPrice(deck, to) });
  const inbound = inboundCapability(base, { store: store.store, router: routing.router, pbx: pbx.pbx, metrics, approve: (id, proof) => verification.service.approveByCall(id, proof) });
  const verification = verificationCapability(base, {
    inbound,
    routing: routing.router,
    costLimit: history.pricing({ callPricing: (to, channel) => routing.callPricing(to, channel), smsPricing: (to) => sms.pricing(to), trunkDeck: (trunk) => routing.trunkDeck(trunk), gatewayDeck: (gateway) => sms.deckOf(gateway) }),
    store: store.store,
    peers: store.peers,
    runner: channelRunner(base, pbx.pbx, sms.sender, routing, (p) => live.pbx(p)),
    smsParts: (template, code, brand, lang, to) => sms.partsFor(template, code, brand, lang, to),
    events: live.sink(fraud.events(history.events(webhooks.publisher))),
    destinationGuard: fraud.guard,
    urlGuard: webhooks.guard,
    admission: abuse.admission,
    metrics,
    simulators: pbx.simulators,
  });
  const operatorConsole = consoleCapability(base, { live, store: history.consoleStore, detail: history.detail, metrics, simulators: pbx.simulators, apiApp: () => api.app });
  const capabilities: Capability[] = [store, history, fraud, abuse, webhooks, routing, pbx, sms, inbound, verification, operatorConsole];

  const api = await apiCapability(base, {
    service: verification.service,
    workflows: verification.workflows,
    store: store.store,
    pbx: pbx.pbx,
    simulators: pbx.simulators,
    urlGuard: webhooks.guard,
    metrics,
    routes: routesOf(capabilities),
    historyLookup: history.lookup,
    readinessDetails: history.readiness,
    runDue: () => tickAll(capabilities),
  });
  // The listeners last: requests arrive only once everything they use has started.
  const all: Capability[] = [...capabilities, api, metricsCapability(base, { metrics })];

  const { logger, instanceId, keys, catalog, clock, devKey, ephemeralSecret } = base;
  return {
    config,
    logger,
    app: api.app,
    service: verification.service,
    store: store.store,
    pbx: pbx.pbx,
    instanceId,
    keys,
    catalog,
    clock,
    devKey,
    ephemeralSecret,
    async start() {
      await startAll(all);
      const port = api.boundPort();
      logger.info({ port, host: config.host, pbx: pbx.pbx.kind, store: store.store.kind, instance: instanceId, languages: catalog.languages().length }, 'listening');
      return { host: config.host, port };
    },
    stop: () => stopAll(all),
    reloadRouting: () => routing.reload(),
    consoleFirstOperator: () => operatorConsole.firstOperator(),
  };
}
