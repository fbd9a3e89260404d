import type { Redis } from 'ioredis';
import { fraudRoutes } from '../api/routes/fraud';
import { blockView, FraudGuard } from '../fraud/guard';
import { MemoryFraudStore } from '../fraud/memory-store';
import { PollLoop } from '../lib/poll-loop';
import type { Metrics } from '../metrics/metrics';
import { RedisFraudStore } from '../store/redis/fraud-store';
import type { DomainEvent } from '../verification/model';
import type { EventSink } from '../verification/ports';
import type { AlertTarget, OperatorAlerts } from '../webhooks/operator-alerts';
import type { Base } from './base';
import type { Capability } from './capability';

export interface FraudCapability extends Capability {
  /** Undefined when `fraudGuard.enabled` is false. */
  guard: FraudGuard | undefined;
  /** The domain's events go to `sink`, and their starts and approvals are counted (never awaited). */
  events(sink: EventSink): EventSink;
}

/** `fraudGuard`: conversion per destination prefix, blocks, the admin routes (docs/history.md "Fraud guard"). */
export function fraudCapability(
  { config, logger: root, keys, clock }: Base,
  deps: { redis: Redis | undefined; metrics: Metrics; operatorAlerts?: ((source: string, target: AlertTarget) => OperatorAlerts) | undefined },
): FraudCapability {
  const settings = config.fraudGuard;
  const logger = root.child({ component: 'fraud-guard' });
  const onRefusal = (code: string): void => void deps.metrics.refusalsTotal.inc({ code });
  // `fraudGuard.alert`: signed webhooks to the operator through the webhook outbox (retried there)
  const target = settings.alert;
  const alerts = settings.enabled && target && deps.operatorAlerts ? deps.operatorAlerts('fraud-guard', { url: target.url, secret: target.webhookSecret }) : undefined;
  const alert = (type: string, data: Record<string, unknown>): void =>
    void alerts?.send(type, data).catch((err: unknown) => logger.error({ type, err: { message: err instanceof Error ? err.message : String(err) } }, 'fraud guard alert could not be queued'));
  const guard = settings.enabled
    ? new FraudGuard({
        store: deps.redis ? new RedisFraudStore(deps.redis) : new MemoryFraudStore(),
        settings,
        now: () => clock.now(),
        logger,
        onBlock: (block) => {
          deps.metrics.fraudBlocked();
          alert('fraud_guard.blocked', { ...blockView(block), block_seconds: settings.blockSeconds });
        },
        onUnblock: (prefix, reason, block) => alert('fraud_guard.unblocked', { prefix, reason, ...(block ? { blocked_at: blockView(block).blocked_at, until: blockView(block).until } : {}) }),
      })
    : undefined;
  deps.metrics.fraudBlockedPrefixes(() => guard?.blockedCount() ?? 0);
  // Real time: the loop is about freshness across engines; the test clock's tick runs it too.
  const loop = guard ? new PollLoop(async () => (await guard.evaluate(), 0), settings.evaluateEveryMs, (err) => logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'fraud guard evaluation failed')) : undefined;
  return {
    name: 'fraud',
    guard,
    events(sink) {
      if (!guard) return sink;
      return {
        async publish(event: DomainEvent) {
          if (event.type === 'verification.started') guard.note('started', event.record.to, event.record.createdAt);
          else if (event.type === 'verification.approved') guard.note('verified', event.record.to, event.record.createdAt);
          await sink.publish(event);
        },
      };
    },
    start: async () => loop?.start(),
    stop: async () => loop?.stop(),
    tick: async () => void (await loop?.tick()),
    routes: [fraudRoutes({ keys, guard, logger, onRefusal })],
  };
}
