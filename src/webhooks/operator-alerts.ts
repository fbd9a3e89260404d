import type { Clock } from '../lib/clock';
import { newMessageId } from '../lib/ids';
import type { Store } from '../store/port';

/**
 * Where operator alerts of one source go: a URL the operator configured and its Standard
 * Webhooks secret (never an API key's).
 */
export interface AlertTarget {
  url: string;
  /** `whsec_…` */
  secret: string;
}

export interface OperatorAlertsOptions {
  store: Store;
  clock: Clock;
  /** The outbox's key id for this source: `:<source>` (API key ids cannot start with `:`). */
  keyId: string;
  target: AlertTarget;
  /** Wakes the dispatcher. */
  onEnqueued(): void;
}

/** Outbox key id of an alert source (never an API key id: those cannot contain `:`). */
export function alertKeyId(source: string): string {
  return `:${source}`;
}

/**
 * Operator alerts (the fraud guard's blocks and lifts, docs/abuse-controls.md): the same signed,
 * retried, SSRF-guarded outbox delivery as verification webhooks (dispatcher.ts), to the operator's
 * URL, signed with the operator's secret. Body `{type, timestamp, data}`; one ordering key per
 * source, so a block's alert arrives before its lift's.
 */
export class OperatorAlerts {
  constructor(private readonly opts: OperatorAlertsOptions) {}

  async send(type: string, data: Record<string, unknown>): Promise<void> {
    const now = this.opts.clock.now();
    await this.opts.store.enqueueWebhook({
      id: newMessageId(),
      orderingKey: this.opts.keyId,
      keyId: this.opts.keyId,
      url: this.opts.target.url,
      type,
      body: JSON.stringify({ type, timestamp: new Date(now).toISOString(), data }),
      createdAt: Math.floor(now / 1000),
      nextAt: now,
      attempts: 0,
    });
    this.opts.onEnqueued();
  }
}
