import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import { PollLoop } from '../lib/poll-loop';
import type { Job, Store } from '../store/port';

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
    await Promise.all(
      jobs.map((job) =>
        this.opts
          .handle(job)
          .catch((err: unknown) => logger.error({ err, job: job.id }, 'job failed'))
          .then(() => store.ackJob(job.id, job.token)),
      ),
    );
    return jobs.length;
  }
}
