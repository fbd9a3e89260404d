import type { Redis } from 'ioredis';
import { historyDetailView } from '../api/history-views';
import { historyRoutes } from '../api/routes/history';
import type { HistoryLookup } from '../api/routes/verifications';
import { redactUrlPassword } from '../config/load';
import { CostModel } from '../history/cost';
import { MaxCostPolicy, type MaxCostOptions } from '../history/max-cost';
import type { CostLimit } from '../verification/ports';
import { openHistory, parseHistoryUrl } from '../history/open';
import { MemoryOutbox, type HistoryOutbox } from '../history/outbox/outbox';
import { RedisOutbox } from '../history/outbox/redis-outbox';
import { HistoryRecorder } from '../history/recorder';
import { RetentionJob } from '../history/retention';
import type { SqlHistory } from '../history/sql/sql-history';
import { HistoryWriter } from '../history/writer';
import type { ConsoleStore } from '../console/port';
import type { Metrics } from '../metrics/metrics';
import type { DomainEvent } from '../verification/model';
import type { EventSink } from '../verification/ports';
import type { DeliveryInfo } from '../webhooks/dispatcher';
import type { Base } from './base';
import type { Capability } from './capability';

export interface HistoryCapability extends Capability {
  /** The domain's events go to `sink` and to the history (when it is on). */
  events(sink: EventSink): EventSink;
  /** Webhook delivery tries, for the history. */
  onDelivery: ((info: DeliveryInfo) => void) | undefined;
  lookup: HistoryLookup | undefined;
  /** Any key's verification from the history, as GET /v1/verifications/{id} shows it (the console's timeline). */
  detail: ((id: string) => Promise<Record<string, unknown> | undefined>) | undefined;
  /** `/readyz` detail: never makes the engine unready (an outage only grows the backlog). */
  readiness: Record<string, () => Promise<unknown>>;
  backlog(): Promise<number>;
  /** The operator console's accounts, audit log and keys (same database); undefined when the history is off. */
  consoleStore: ConsoleStore | undefined;
  /**
   * Tells the history how attempts are priced (which rate deck a trunk or an SMS uses) and returns
   * the `maxCost` policy judged at start over the same rate decks.
   */
  pricing(how: Omit<MaxCostOptions, 'rates'> & { trunkDeck: (trunk: string) => string; gatewayDeck: (gateway: string | undefined) => string }): CostLimit;
  /** SMS price per part (micro-units) of a deck for a number: the one source of SMS prices (the SMS gateways' cost too). */
  smsPrice(deck: string, to: string): number | undefined;
}

/** Which deck prices what (set once the routing and SMS capabilities exist). */
interface Decks {
  trunkDeck: (trunk: string) => string;
  gatewayDeck: (gateway: string | undefined) => string;
}

/** How long start-up waits for the history database before it goes on without (and keeps trying). */
const START_WAIT_MS = 10_000;
const MIGRATE_RETRY_MS = 5_000;
const RATES_REFRESH_MS = 60_000;

/**
 * `history`: the recorder on the event path (outbox append only), the writer loop, the retention
 * purge, and the history API. The database never blocks a start or a check: when it is away the
 * engine serves and the outbox grows (Redis stream with the Redis store, in process otherwise).
 */
export function historyCapability(base: Base, deps: { redis: Redis | undefined; metrics: Metrics }): HistoryCapability {
  const { config, logger: root, keys, secret, ephemeralSecret, clock, instanceId } = base;
  const settings = config.history;
  const target = parseHistoryUrl(settings.url, process.cwd());
  if (target.kind === 'off') {
    return {
      name: 'history',
      events: (sink) => sink,
      onDelivery: undefined,
      lookup: undefined,
      detail: undefined,
      readiness: { history: () => Promise.resolve({ enabled: false }) },
      backlog: () => Promise.resolve(0),
      consoleStore: undefined,
      // No history, no rate decks: a key or route with maxCost refuses every destination (unknown cost).
      pricing: (how) => new MaxCostPolicy({ callPricing: how.callPricing, smsPricing: how.smsPricing, rates: () => undefined }),
      smsPrice: () => undefined,
      start: async () => undefined,
      stop: async () => undefined,
      routes: [historyRoutes({ keys, history: undefined, storedNumber: (n) => n, maxPageSize: settings.maxPageSize, now: () => clock.now(), logger: root, onRefusal: (code) => deps.metrics.refusalsTotal.inc({ code }) })],
    };
  }
  const logger = root.child({ component: 'history' });
  const history: SqlHistory = openHistory(target, { poolSize: settings.poolSize, onError: (err) => logger.debug({ err: { message: err.message } }, 'history connection error') });
  const outbox: HistoryOutbox = deps.redis
    ? new RedisOutbox({ client: deps.redis, consumer: instanceId, leaseMs: settings.claimLeaseMs })
    : new MemoryOutbox(settings.maxMemoryBacklog);
  let rates: CostModel | undefined;
  let decks: Decks = { trunkDeck: (trunk) => trunk, gatewayDeck: () => 'sms' };
  const recorder = new HistoryRecorder({
    outbox,
    numbers: settings.numbers,
    secret,
    prefixDigits: settings.prefixDigits,
    rates: () => rates,
    callDeck: (trunk) => decks.trunkDeck(trunk),
    smsDeck: (gateway) => decks.gatewayDeck(gateway),
  });
  // Rate decks change through `pbxverify rates import`: read them again now and then.
  const loadRates = async (): Promise<void> => {
    rates = new CostModel(await history.rates());
  };
  const ratesTimer = setInterval(() => void loadRates().catch(() => undefined), RATES_REFRESH_MS);
  ratesTimer.unref();
  const writer = new HistoryWriter({
    outbox,
    history,
    logger,
    batchSize: settings.batchSize,
    pollMs: settings.writerPollMs,
    metrics: { written: (n) => deps.metrics.historyWritten(n), failed: () => deps.metrics.historyWriteFailed() },
  });
  const retention = new RetentionJob({ history, logger, retentionDays: settings.retentionDays, batchSize: settings.purgeBatch, everyMs: settings.purgeEveryMinutes * 60_000 });
  let migrated = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const where = target.kind === 'sqlite' ? target.file : redactUrlPassword(target.url);

  const migrate = async (): Promise<void> => {
    const { applied } = await history.migrate();
    if (migrated || stopped) return;
    migrated = true;
    if (applied.length > 0) logger.info({ applied }, 'history schema migrated');
    await loadRates().catch((err: unknown) => logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not read the rate decks'));
    writer.start();
    retention.start();
  };
  const retryMigrate = (): void => {
    retryTimer = setTimeout(() => {
      if (stopped || migrated) return;
      migrate().catch(() => retryMigrate());
    }, MIGRATE_RETRY_MS);
    retryTimer.unref();
  };

  return {
    name: 'history',
    events(sink) {
      return {
        async publish(event: DomainEvent) {
          // Both always run: a webhook outbox failure must not lose the history, nor the reverse.
          const results = await Promise.allSettled([sink.publish(event), recorder.publish(event)]);
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        },
      };
    },
    onDelivery(info) {
      let host = '';
      try {
        host = new URL(info.delivery.url).host;
      } catch {
        host = '(invalid)';
      }
      void recorder
        .delivery({
          webhookId: info.delivery.id,
          attemptNo: info.attempt,
          verificationId: info.delivery.orderingKey,
          keyId: info.delivery.keyId,
          type: info.delivery.type,
          urlHost: host,
          statusCode: info.statusCode ?? null,
          result: info.result,
          latencyMs: Math.round(info.seconds * 1000),
          at: clock.now(),
        })
        .catch((err: unknown) => logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not record a webhook delivery'));
    },
    lookup: async (keyId, id) => {
      const found = await history.getVerification(id, keyId);
      return found ? historyDetailView(found) : undefined;
    },
    detail: async (id) => {
      const found = await history.getVerification(id);
      return found ? historyDetailView(found) : undefined;
    },
    readiness: {
      history: async () => ({ enabled: true, kind: history.kind, migrated, ...writer.health(), backlog: await outbox.backlog(), dropped: outbox.dropped() }),
    },
    backlog: () => outbox.backlog(),
    consoleStore: history.console,
    pricing(how) {
      decks = { trunkDeck: how.trunkDeck, gatewayDeck: how.gatewayDeck };
      // Judged at start with the decks of the trunk or SMS gateway the route decision would use.
      return new MaxCostPolicy({ callPricing: how.callPricing, smsPricing: how.smsPricing, rates: () => rates });
    },
    smsPrice: (deck, to) => rates?.rateFor(deck, to, clock.now())?.smsPriceMicros,
    async start() {
      if (settings.numbers === 'hashed' && ephemeralSecret) logger.warn('history.numbers is hashed but the engine secret is made per run: set `secret` so a number can be found again after a restart');
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        migrate().then(() => true, (err: unknown) => (logger.error({ where, err: { message: err instanceof Error ? err.message : String(err) } }, 'history database unavailable; serving without it, events wait in the outbox'), false)),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), START_WAIT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      if (!ok && !migrated) retryMigrate();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(ratesTimer);
      await retention.stop();
      if (migrated) await writer.stop();
      await history.close();
    },
    async tick() {
      if (migrated) await writer.drain();
    },
    routes: [
      historyRoutes({
        keys,
        history,
        storedNumber: (n) => recorder.storedNumber(n),
        maxPageSize: settings.maxPageSize,
        now: () => clock.now(),
        logger,
        onRefusal: (code) => deps.metrics.refusalsTotal.inc({ code }),
      }),
    ],
  };
}
