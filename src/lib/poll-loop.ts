import { yieldToLoop } from './yield';

/**
 * A background loop that drains work in batches: runs every `pollMs`, can be kicked to run at
 * once, and can be ticked and awaited (the test clock does that). `batch()` handles one batch
 * and returns how many items it handled; the loop repeats until a batch comes back empty,
 * letting I/O in between batches ({@link yieldToLoop}).
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly batch: () => Promise<number>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  /** Run as soon as possible (new work is due now). */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  /** Drains everything due now and resolves with how many items were handled. */
  async tick(): Promise<number> {
    if (this.ticking) {
      this.again = true;
      await this.ticking.catch(() => undefined);
    }
    const run = this.drain();
    this.ticking = run;
    try {
      return await run;
    } finally {
      if (this.ticking === run) this.ticking = undefined;
    }
  }

  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      this.again = false;
      const handled = await this.batch();
      total += handled;
      if (handled === 0 && !this.again) return total;
      await yieldToLoop();
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.tick()
        .catch(this.onError)
        .finally(() => {
          if (!this.stopped) this.schedule(this.pollMs);
        });
    }, delayMs);
  }
}
