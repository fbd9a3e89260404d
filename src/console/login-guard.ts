/**
 * Login throttling per client address: a fixed one-minute window of `perMinute` tries (right or
 * wrong). The per-account lockout after wrong passwords is kept in the database (ConsoleStore),
 * so it holds across engines and restarts; this window is per engine.
 */
export class LoginRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  /** Counts a try; false when the address is over its allowance. */
  take(address: string, now: number): boolean {
    const w = this.windows.get(address);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.sweep(now);
      this.windows.set(address, { start: now, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.perMinute;
  }

  private sweep(now: number): void {
    for (const [address, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(address);
  }
}
