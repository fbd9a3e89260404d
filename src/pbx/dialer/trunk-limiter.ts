/** Limits a carrier enforces on one trunk. */
export interface TrunkLimits {
  /** Call attempts per second (fractions allowed: 0.5 = one every 2 s). */
  cps: number;
  /** Calls in progress at once (dialling or answered). */
  maxConcurrent: number;
}

/**
 * Calls-per-second and concurrency for one trunk, counted by this dialer (per engine instance).
 *
 * CPS is a sliding window: at most `burst = max(1, floor(cps))` call starts within any
 * `burst / cps` seconds. For whole numbers that is "N starts in any second", the way carriers
 * count; spacing never gets tighter than the carrier allows, even right after an idle period.
 */
export class TrunkLimiter {
  private active = 0;
  private readonly starts: number[] = [];
  private burst = 1;
  private windowMs = 1000;
  limits!: TrunkLimits;

  constructor(limits: TrunkLimits) {
    this.setLimits(limits);
  }

  /** New limits (reload); calls in progress and recent starts still count. */
  setLimits(limits: TrunkLimits): void {
    if (!(limits.cps > 0) || !(limits.maxConcurrent >= 1)) throw new RangeError('trunk limits: cps > 0 and maxConcurrent ≥ 1');
    this.limits = limits;
    this.burst = Math.max(1, Math.floor(limits.cps));
    this.windowMs = (this.burst * 1000) / limits.cps;
  }

  get inProgress(): number {
    return this.active;
  }

  /** Milliseconds until a call may start (0: now), or undefined when the concurrency limit blocks. */
  waitMs(now: number): number | undefined {
    if (this.active >= this.limits.maxConcurrent) return undefined;
    this.forget(now);
    if (this.starts.length < this.burst) return 0;
    return Math.max(0, (this.starts[0] as number) + this.windowMs - now);
  }

  /** Counts a call start; call {@link release} once when that call is over. */
  take(now: number): void {
    this.forget(now);
    this.starts.push(now);
    this.active++;
  }

  release(): void {
    if (this.active > 0) this.active--;
  }

  private forget(now: number): void {
    while (this.starts.length > 0 && now - (this.starts[0] as number) >= this.windowMs) this.starts.shift();
  }
}
