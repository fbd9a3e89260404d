import type { Logger } from 'pino';
import { PollLoop } from '../lib/poll-loop';
import type { History } from './port';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  history: History;
  logger: Logger;
  retentionDays: number;
  /** Verifications deleted per transaction (small, so writers never wait long). */
  batchSize: number;
  /** How often the purge runs. */
  everyMs: number;
  now?: () => number;
}

/**
 * Deletes history older than `retentionDays`, a small batch per transaction, until nothing is
 * left. Several engines on one database may run it at once: deletes are idempotent.
 */
export class RetentionJob {
  private readonly loop: PollLoop;

  constructor(private readonly opts: RetentionOptions) {
    this.loop = new PollLoop(
      async () => {
        const before = (opts.now ?? Date.now)() - opts.retentionDays * DAY_MS;
        const purged = await opts.history.purge(before, opts.batchSize);
        if (purged > 0) opts.logger.debug({ purged }, 'history purged');
        // Let writes in between batches.
        await new Promise((resolve) => setImmediate(resolve));
        return purged;
      },
      opts.everyMs,
      (err) => opts.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'history purge failed; will retry'),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Purges now until done; resolves with how many rows went. */
  run(): Promise<number> {
    return this.loop.tick();
  }
}
