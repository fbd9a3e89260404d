/**
 * The fraud guard's shared state (docs/history.md "Fraud guard"): per destination prefix, counts
 * of started and verified verifications in time buckets, and the prefixes blocked now. Memory
 * (one engine) and Redis (every engine sees the same counts and blocks). Contract suite:
 * test/contract/fraud-store.ts.
 */

export interface FraudCounts {
  started: number;
  verified: number;
}

export interface FraudBlock {
  /** Digits of the E.164 number after `+` (e.g. `447700`). */
  prefix: string;
  /** Epoch ms when the block was placed and when it lifts by itself. */
  at: number;
  until: number;
  /** What the window showed when the block was placed. */
  started: number;
  verified: number;
}

export interface FraudStore {
  /** Adds one to `field` of `prefix` in `bucket`; the bucket is kept at least `keepMs`. */
  count(prefix: string, bucket: number, field: keyof FraudCounts, keepMs: number): Promise<void>;
  /** Sums of the buckets `from`..`to` (inclusive) of `prefix`. */
  window(prefix: string, from: number, to: number): Promise<FraudCounts>;
  /** Prefixes counted in a bucket ≥ `since` (those worth judging); forgets older ones. */
  active(since: number): Promise<string[]>;
  /** Places a block unless the prefix has one already (another engine placed it): true when this call placed it. */
  block(block: FraudBlock): Promise<boolean>;
  /** Every block stored (callers ignore those past `until`). */
  blocks(): Promise<FraudBlock[]>;
  /** Lifts a block and forgets the prefix's counts (so the same window does not block it again); false when there was no block. */
  lift(prefix: string): Promise<boolean>;
}
