/**
 * Cluster-wide trunk caps (with the Redis store): a trunk's concurrent calls and calls per second
 * hold across every engine sharing the store. Implemented in src/routing/redis-limits.ts; with
 * the memory store there is one engine and the dialer's own limiter is the cap.
 */
export interface TrunkCaps {
  maxConcurrent?: number | undefined;
  cps?: number | undefined;
}

/** A leased concurrency slot: renewed while the call lives, expiring on its own if the engine dies. */
export interface TrunkSlot {
  release(): Promise<void>;
}

export interface SharedTrunkLimits {
  /**
   * Takes a slot and a call-rate token for one call on `trunk`, or says why not now. Never
   * rejects: when the shared store cannot be reached the call is let through (`degraded`) and
   * only the engine's own limiter holds.
   */
  tryAcquire(trunk: string, caps: TrunkCaps): Promise<TrunkSlot | 'full' | 'rate'>;
  /** Calls on `trunk` across the cluster now (live leases). */
  inFlight(trunk: string): Promise<number>;
  stop(): Promise<void>;
}
