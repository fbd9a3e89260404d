import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import { PollLoop } from '../lib/poll-loop';
import { yieldToLoop } from '../lib/yield';
import type { Job, Store } from '../store/port';

/** Jobs started per event-loop turn. */
const SLICE = 10;

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Runs one job. Errors are logged; the job is acknowledged either way (no hot retry loop). */
  handle(job: Job): Promise<void>;
  /** This engine's name in job leases. */
  owner: string;
  pollMs: number;
  /** A claimed job that is not acknowledged within this time is handed to another engine. */
  leaseMs?: number;
  batch?: number;
}

/**
 * Runs due jobs (workflow steps, expiries) from the store. Polls every `pollMs` and can be
 * kicked to run at once. Jobs are leased, so with a shared store each runs on one engine only.
 */
export class Scheduler {
  private readonly loop: PollLoop;

  constructor(private readonly opts: SchedulerOptions) {
    this.loop = new PollLoop(() => this.runBatch(), opts.pollMs, (err) => opts.logger.error({ err }, 'scheduler tick failed'));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Runs every job due now and waits for them; returns how many ran. */
  tick(): Promise<number> {
    return this.loop.tick();
  }

  private async runBatch(): Promise<number> {
    const { store, clock, logger } = this.opts;
    const jobs = await store.claimDueJobs(clock.now(), this.opts.batch ?? 100, {
      owner: this.opts.owner,
      leaseMs: this.opts.leaseMs ?? 60_000,
    });
    // In slices, with I/O between them: on the memory store a whole batch would otherwise run as
    // one block of microtasks and hold every request behind it (src/lib/yield.ts).
    const running: Array<Promise<void>> = [];
    for (let i = 0; i < jobs.length; i += SLICE) {
      if (i > 0) await yieldToLoop();
      for (const job of jobs.slice(i, i + SLICE)) {
        running.push(
          this.opts
            .handle(job)
            .catch((err: unknown) => logger.error({ err, job: job.id }, 'job failed'))
            .then(() => store.ackJob(job.id, job.token)),
        );
      }
    }
    await Promise.all(running);
    return jobs.length;
  }
}
