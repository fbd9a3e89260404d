import type { Clock } from '../../lib/clock';
import { newMessageId } from '../../lib/ids';
import type { Store } from '../../store/port';
import type { DomainEvent } from '../../verification/model';

/** Where calledin.ts keeps a request's callback data on the verification (record.meta). */
export const CALLEDIN_META = {
  url: 'calledin_callback',
  phone: 'calledin_phone',
  country: 'calledin_country',
  secret: 'calledin_secret',
} as const;

/**
 * A publisher listener (WebhookPublisher `listeners`) that turns the end of a called.in reverse
 * call into seed 002's callback: a GET to `callback_url` with phone_number, country_code,
 * secret, match, answered and reason. It goes through the webhook outbox, so it is retried and
 * survives restarts with a durable store, and the dispatcher checks the URL again (SSRF guard).
 */
export function calledInCallbacks(deps: { store: Store; clock: Clock; onEnqueued(): void }): (event: DomainEvent) => Promise<void> {
  return async (event) => {
    if (event.type !== 'attempt.completed') return;
    const { record, attempt } = event;
    const meta = record.meta;
    const url = meta?.[CALLEDIN_META.url];
    // an attempt cut short because the verification ended (replaced, engine stopping) reports nothing
    if (!meta || url === undefined || attempt.channel !== 'reverse' || attempt.result === 'aborted') return;
    const answered = attempt.outcome === 'answered';
    const target = new URL(url);
    const query = new URLSearchParams({
      phone_number: meta[CALLEDIN_META.phone] ?? '',
      country_code: meta[CALLEDIN_META.country] ?? '',
      secret: meta[CALLEDIN_META.secret] ?? '',
      match: attempt.matched === true ? '1' : '0',
      answered: answered ? '1' : '0',
      // 0 failed, 1 hung up, 3 ring timeout, 5 busy, 8 congestion; empty when answered
      reason: answered ? '' : String(attempt.reason ?? 0),
    });
    for (const [name, value] of query) target.searchParams.append(name, value);
    const now = deps.clock.now();
    await deps.store.enqueueWebhook({
      id: newMessageId(),
      orderingKey: record.id,
      keyId: record.keyId,
      url: target.toString(),
      type: 'calledin.callback',
      body: '',
      method: 'GET',
      createdAt: Math.floor(now / 1000),
      nextAt: now,
      attempts: 0,
    });
    deps.onEnqueued();
  };
}
