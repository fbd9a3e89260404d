import type { SmsGatewayHealth } from './port';

/**
 * The health of a gateway asked afresh on each message (Kannel's sendsms, an HTTP provider): it
 * has no connection to watch, so a transport failure (or an answer saying it is overloaded) marks
 * it down for `retryDownMs` — failover skips it meanwhile — and then it is tried again. A
 * success before that ends the window at once.
 */
export class DownWindow {
  private reason: string | undefined;
  private since = 0;

  constructor(
    private readonly retryDownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A transport failure (unreachable, timeout, HTTP 5xx/429 where the adapter says so). */
  fail(reason: string): void {
    this.reason = reason;
    this.since = this.now();
  }

  /** The gateway answered. */
  ok(): void {
    this.reason = undefined;
  }

  health(): SmsGatewayHealth {
    const down = this.reason !== undefined && this.now() - this.since < this.retryDownMs;
    return down ? { ready: false, detail: this.reason ?? 'down' } : { ready: true, detail: 'ok' };
  }
}
