import type { Logger } from 'pino';
import { backoffMs } from '../lib/abort';
import { PollLoop } from '../lib/poll-loop';
import type { HistoryOutbox } from './outbox/outbox';
import type { History, HistoryEvent } from './port';

export interface WriterOptions {
  outbox: HistoryOutbox;
  history: History;
  logger: Logger;
  /** Events per transaction. */
  batchSize: number;
  pollMs: number;
  /** Fills derived fields (cost) before a batch is written. */
  enrich?: (event: HistoryEvent) => HistoryEvent;
  metrics?: { written(n: number): void; failed(): void };
  /** Real time (the writer's retry pacing is about the database, not simulated time). */
  now?: () => number;
}

export interface WriterHealth {
  /** The last write succeeded (or none was needed yet). */
  ok: boolean;
  lastError?: string;
  lastWriteAt?: number;
}

/**
 * Drains the history outbox into the history database in batches. A database outage never
 * reaches the request path: the batch stays in the outbox, the writer backs off (capped), and it
 * catches up when the database is back; the upserts make rewriting a batch harmless.
 */
export class HistoryWriter {
  private readonly loop: PollLoop;
  private failures = 0;
  private retryAt = 0;
  private state: WriterHealth = { ok: true };

  constructor(private readonly opts: WriterOptions) {
    this.loop = new PollLoop(() => this.batch(), opts.pollMs, (err) => opts.logger.error({ err }, 'history writer failed'));
  }

  start(): void {
    this.loop.start();
  }

  /** Stops the loop after one last drain, bounded by `drainMs`. */
  async stop(drainMs = 5_000): Promise<void> {
    await this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drain().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, drainMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  /** Writes everything waiting now (tests, the test clock, shutdown). */
  async drain(): Promise<number> {
    this.retryAt = 0;
    return this.loop.tick();
  }

  health(): WriterHealth {
    return { ...this.state };
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async batch(): Promise<number> {
    if (this.now() < this.retryAt) return 0;
    const entries = await this.opts.outbox.claim(this.opts.batchSize);
    if (entries.length === 0) return 0;
    const enrich = this.opts.enrich;
    const events = entries.map((entry) => (enrich ? enrich(entry.event) : entry.event));
    try {
      await this.opts.history.write(events);
    } catch (err) {
      this.failures++;
      this.retryAt = this.now() + Math.max(200, backoffMs(this.failures, 500, 10_000));
      const message = err instanceof Error ? err.message : String(err);
      if (this.state.ok || this.failures % 20 === 0) this.opts.logger.warn({ err: { message }, backlog: await this.opts.outbox.backlog().catch(() => -1) }, 'history database unavailable; events wait in the outbox');
      this.state = { ...this.state, ok: false, lastError: message.slice(0, 200) };
      this.opts.metrics?.failed();
      return 0;
    }
    await this.opts.outbox.ack(entries.map((entry) => entry.id));
    if (!this.state.ok) this.opts.logger.info({ afterFailures: this.failures }, 'history database back; catching up');
    this.failures = 0;
    this.state = { ok: true, lastWriteAt: this.now() };
    this.opts.metrics?.written(entries.length);
    return entries.length;
  }
}
