import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Clock } from '../lib/clock';
import { backoffMs } from '../lib/abort';
import { PollLoop } from '../lib/poll-loop';
import type { Store, WebhookDelivery } from '../store/port';
import { sign, signedContent } from './signing';
import type { NetworkUrlGuard } from './url-guard';

export interface DispatcherOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  guard: NetworkUrlGuard;
  /** Signing secret for a key id. */
  secretFor(keyId: string): string;
  owner: string;
  pollMs: number;
  timeoutMs: number;
  concurrency: number;
  /** Give up this long after the event. */
  maxAgeMs: number;
  /** First retry after about this long; doubles up to `capMs` (full jitter). */
  baseMs?: number;
  capMs?: number;
  metrics?: { delivery(result: 'delivered' | 'retry' | 'dropped', seconds: number): void };
}

/**
 * Delivers the webhook outbox: signed POSTs, at least once, in order per verification,
 * retried with capped exponential backoff and full jitter until `maxAgeMs` after the event.
 * `webhook-id` stays the same across retries so receivers can drop duplicates.
 */
export class WebhookDispatcher {
  private readonly agent: Agent;
  private readonly loop: PollLoop;

  constructor(private readonly opts: DispatcherOptions) {
    this.agent = new Agent({
      // the SSRF guard again at connect time: the resolved address and the socket's peer (rebinding, literals)
      connect: opts.guard.connector({ timeout: opts.timeoutMs }),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 10_000,
    });
    this.loop = new PollLoop(() => this.deliverBatch(), opts.pollMs, (err) => opts.logger.error({ err }, 'webhook dispatch failed'));
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.agent.close();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Delivers everything due now; resolves when done (used by the test clock). */
  async tick(): Promise<void> {
    await this.loop.tick();
  }

  private async deliverBatch(): Promise<number> {
    const batch = await this.opts.store.claimWebhooks(this.opts.clock.now(), this.opts.concurrency, {
      owner: this.opts.owner,
      leaseMs: this.opts.timeoutMs * 3,
    });
    await Promise.all(batch.map((d) => this.deliver(d)));
    return batch.length;
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const { store, clock, logger } = this.opts;
    const started = process.hrtime.bigint();
    const log = logger.child({ webhookId: delivery.id, type: delivery.type, verificationId: delivery.orderingKey });
    let error: string;
    let permanent = false;
    try {
      await this.opts.guard.check(delivery.url);
      const timestamp = Math.floor(clock.now() / 1000);
      // GET: a legacy callback (called.in) whose data is in the URL: signed over method, URL and body.
      const payload = delivery.method === 'GET' ? signedContent('GET', delivery.url, delivery.body) : delivery.body;
      const headers = {
        'user-agent': 'pbxverify-webhooks/1',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(this.opts.secretFor(delivery.keyId), delivery.id, timestamp, payload),
      };
      const signal = AbortSignal.timeout(this.opts.timeoutMs);
      const res =
        delivery.method === 'GET'
          ? await request(delivery.url, { method: 'GET', dispatcher: this.agent, headers, signal })
          : await request(delivery.url, {
              method: 'POST',
              dispatcher: this.agent,
              headers: { 'content-type': 'application/json', ...headers },
              body: delivery.body,
              signal,
            });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        await store.completeWebhook(delivery.id);
        this.opts.metrics?.delivery('delivered', seconds(started));
        log.debug({ status: res.statusCode, attempts: delivery.attempts + 1 }, 'webhook delivered');
        return;
      }
      error = `HTTP ${res.statusCode}`;
      // 410 Gone: the receiver says this endpoint is retired (Standard Webhooks convention).
      permanent = res.statusCode === 410;
    } catch (err) {
      error = describe(err);
      permanent = typeof err === 'object' && err !== null && 'code' in err && err.code === 'CALLBACK_URL_FORBIDDEN';
    }
    const attempts = delivery.attempts + 1;
    const nextAt = clock.now() + Math.max(1000, backoffMs(attempts, this.opts.baseMs ?? 5_000, this.opts.capMs ?? 3_600_000));
    if (permanent || nextAt > delivery.createdAt * 1000 + this.opts.maxAgeMs) {
      await store.completeWebhook(delivery.id);
      this.opts.metrics?.delivery('dropped', seconds(started));
      log.warn({ attempts, error }, 'webhook dropped');
      return;
    }
    await store.retryWebhook(delivery.id, nextAt, attempts, error);
    this.opts.metrics?.delivery('retry', seconds(started));
    log.info({ attempts, error, retryInMs: nextAt - clock.now() }, 'webhook delivery failed; will retry');
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    return [err.name, typeof code === 'string' ? code : undefined, typeof cause === 'string' ? cause : undefined, err.message].filter(Boolean).join(': ').slice(0, 300);
  }
  return String(err).slice(0, 300);
}
