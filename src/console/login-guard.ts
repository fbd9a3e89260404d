/** The one operation of the engine's Store (memory or Redis) the login limit needs. */
export interface LoginCounters {
  hit(counter: string, windowMs: number, now: number): Promise<number>;
}

const MINUTE = 60_000;

/**
 * Login throttling per client address: a fixed one-minute window of `perMinute` tries (right or
 * wrong), counted in the engine's Store. With the Redis store every engine on it shares one count
 * per address (an attacker gains nothing by spreading tries over engines); the memory store is one
 * engine's by nature. The Store rather than the history database: the counters are hot (one
 * write per try), short-lived (they expire with the window, in Redis by TTL, nothing to sweep) and
 * the store is what several engines already share for flood limits. The per-account lockout after
 * wrong passwords stays in the database (ConsoleStore): it must survive restarts and is rare.
 */
export class LoginRateLimit {
  constructor(
    private readonly counters: LoginCounters,
    private readonly perMinute: number,
  ) {}

  /** Counts a try; false when the address is over its allowance. */
  async take(address: string, now: number): Promise<boolean> {
    return (await this.counters.hit(`console-login:${address.slice(0, 64)}`, MINUTE, now)) <= this.perMinute;
  }
}
