import type { Clock } from '../lib/clock';
import { newMessageId } from '../lib/ids';
import type { Store } from '../store/port';
import type { DomainEvent } from '../verification/model';
import type { EventSink } from '../verification/ports';
import { attemptView, verificationView } from '../verification/view';

export interface PublisherOptions {
  store: Store;
  clock: Clock;
  /** The key's webhook URL, used when a verification has no callback URL of its own. */
  keyWebhookUrl(keyId: string): string | undefined;
  /** Called after an event is in the outbox (wakes the dispatcher). */
  onEnqueued(): void;
  /** Other listeners (compat callbacks such as called.in's GET callback). */
  listeners?: Array<(event: DomainEvent) => Promise<void>>;
}

/** Payload: `{type, timestamp, data}` as Standard Webhooks recommends. */
export function webhookBody(event: DomainEvent, at: number): string {
  const verification = verificationView(event.record);
  const data =
    event.type === 'attempt.started' || event.type === 'attempt.updated' || event.type === 'attempt.completed'
      ? { verification_id: event.record.id, attempt: attemptView(event.attempt), verification }
      : { verification_id: event.record.id, verification };
  return JSON.stringify({ type: event.type, timestamp: new Date(at).toISOString(), data });
}

/** Turns domain events into outbox deliveries (durable when the store is). */
export class WebhookPublisher implements EventSink {
  constructor(private readonly opts: PublisherOptions) {}

  async publish(event: DomainEvent): Promise<void> {
    for (const listener of this.opts.listeners ?? []) await listener(event);
    // Not a webhook event (the API's 201 answers the start); history and listeners see it.
    if (event.type === 'verification.started') return;
    const url = event.record.callbackUrl ?? this.opts.keyWebhookUrl(event.record.keyId);
    if (url === undefined) return;
    const now = this.opts.clock.now();
    await this.opts.store.enqueueWebhook({
      id: newMessageId(),
      orderingKey: event.record.id,
      keyId: event.record.keyId,
      url,
      type: event.type,
      body: webhookBody(event, now),
      createdAt: Math.floor(now / 1000),
      nextAt: now,
      attempts: 0,
    });
    this.opts.onEnqueued();
  }
}
