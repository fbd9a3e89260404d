import { calledInCallbacks } from '../api/compat';
import type { Metrics } from '../metrics/metrics';
import type { Store } from '../store/port';
import { WebhookDispatcher, type DeliveryInfo } from '../webhooks/dispatcher';
import { WebhookPublisher } from '../webhooks/publisher';
import { alertKeyId, OperatorAlerts, type AlertTarget } from '../webhooks/operator-alerts';
import { webhookSecretFor } from '../webhooks/signing';
import { NetworkUrlGuard } from '../webhooks/url-guard';
import type { Base } from './base';
import type { Capability } from './capability';

export interface WebhooksCapability extends Capability {
  /** Where the domain's events go: the signed webhook outbox (and called.in's callbacks). */
  publisher: WebhookPublisher;
  /** Which callback addresses the operator allows (`webhooks.allowNetworks`). */
  guard: NetworkUrlGuard;
  /** Operator alerts of one source (`fraud-guard`) to its target, through the same outbox and dispatcher. */
  operatorAlerts(source: string, target: AlertTarget): OperatorAlerts;
}

/** `webhooks`: the outbox publisher and its dispatcher loop (signed, retried deliveries). */
export function webhooksCapability(base: Base, deps: { store: Store; metrics: Metrics; onDelivery?: ((info: DeliveryInfo) => void) | undefined }): WebhooksCapability {
  const { config, logger, clock, keys, secret, instanceId } = base;
  const { store, metrics } = deps;
  const guard = new NetworkUrlGuard(config.webhooks.allowNetworks);
  // Operator alert sources sign with the operator's secret (their key ids cannot be API key ids).
  const alertSecrets = new Map<string, string>();
  const dispatcher = new WebhookDispatcher({
    store,
    clock,
    logger: logger.child({ component: 'webhooks' }),
    guard,
    secretFor: (keyId) => alertSecrets.get(keyId) ?? webhookSecretFor(keys.get(keyId) ?? { id: keyId }, secret),
    owner: instanceId,
    pollMs: config.webhooks.pollMs,
    timeoutMs: config.webhooks.timeoutMs,
    concurrency: config.webhooks.concurrency,
    maxAgeMs: config.webhooks.maxAgeSeconds * 1000,
    metrics,
    ...(deps.onDelivery ? { onDelivery: deps.onDelivery } : {}),
  });
  const publisher = new WebhookPublisher({
    store,
    clock,
    keyWebhookUrl: (keyId) => keys.get(keyId)?.webhookUrl,
    onEnqueued: () => dispatcher.kick(),
    listeners: [calledInCallbacks({ store, clock, onEnqueued: () => dispatcher.kick() })],
  });
  return {
    name: 'webhooks',
    publisher,
    guard,
    operatorAlerts(source, target) {
      const keyId = alertKeyId(source);
      alertSecrets.set(keyId, target.secret);
      return new OperatorAlerts({ store, clock, keyId, target, onEnqueued: () => dispatcher.kick() });
    },
    start: async () => dispatcher.start(),
    stop: () => dispatcher.stop(),
    tick: () => dispatcher.tick(),
  };
}
