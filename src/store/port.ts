import type { VerificationRecord } from '../verification/model';
import type { SmsMessageIndex } from '../sms/port';

/**
 * The Store port: everything the engine keeps. Implemented by `memory/` (embedded, default)
 * and `redis/` (shared by several engines). One contract suite (test/contract/store.ts) runs
 * against every implementation.
 *
 * Concurrency model: records are written with optimistic concurrency. Every record carries a
 * version `v`; {@link Store.update} writes only if the stored version is exactly `next.v - 1`,
 * so two engines racing on one verification never lose a write (the loser re-reads and retries).
 * Jobs and webhook deliveries are claimed with leases that expire, so an engine that dies mid-way
 * hands its work to another.
 */

export type CreateResult =
  | { ok: true; replacedId?: string }
  | { ok: false; activeId: string };

/** A scheduled piece of work: a workflow step or an expiry. One job per id (rescheduling replaces). */
export interface Job {
  /** `<verificationId>:step` or `<verificationId>:expire`. */
  id: string;
  kind: 'step' | 'expire';
  verificationId: string;
  /** Epoch ms when it is due. */
  at: number;
  /** Changes on every (re)schedule; {@link Store.ackJob} removes only the version it was given. */
  token: string;
  /** For `step`: the index of the step to run. */
  step?: number;
}

export interface WebhookDelivery {
  /** Standard Webhooks `webhook-id`, stable across retries. */
  id: string;
  /** Deliveries sharing an ordering key go out one at a time, in enqueue order. */
  orderingKey: string;
  keyId: string;
  url: string;
  type: string;
  /** The exact JSON body that is signed and sent (empty for a GET). */
  body: string;
  /**
   * `GET`: a legacy callback whose data is in the URL's query (called.in, seed 002), sent
   * without a body. POST (the default) otherwise. Stores must keep it.
   */
  method?: 'GET';
  /** Epoch seconds of the event (Standard Webhooks `webhook-timestamp` base). */
  createdAt: number;
  nextAt: number;
  attempts: number;
  lastError?: string;
}

/**
 * What {@link Store.reserveIdempotency} found for an idempotency key:
 * - `reserved`: nobody held the key (or the holder's lease ran out); the caller holds it now and
 *   must {@link Store.completeIdempotency} or {@link Store.releaseIdempotency} it with its token;
 * - `in-flight`: another request holds it and its lease is still running;
 * - `done`: a request completed under this key; `response` is what it stored.
 * `fingerprint` is the holder's request fingerprint (the caller compares it with its own).
 */
export type IdempotencyState =
  | { state: 'reserved' }
  | { state: 'in-flight'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: string };

/** One hit of {@link Store.hitChain}. */
export interface ChainedHit {
  counter: string;
  windowMs: number;
  /** The chain stops after a count above this (`Number.MAX_SAFE_INTEGER`: never). */
  limit: number;
  /** Made only when the hit before it was the first in its window. */
  ifFirst?: boolean;
}

export interface Lease {
  owner: string;
  leaseMs: number;
}

export interface Store extends SmsMessageIndex {
  readonly kind: string;

  /**
   * Inserts a new record and claims its `(keyId, to)` number slot in one atomic step.
   * When the slot holds a pending verification: refuses with its id, or with `replaceActive`
   * takes the slot and returns the replaced id (the caller then cancels that verification).
   */
  create(record: VerificationRecord, opts: { replaceActive: boolean; ttlMs: number }): Promise<CreateResult>;

  get(id: string): Promise<VerificationRecord | undefined>;

  /** The latest verification for a number under a key (pending or finished, within retention). */
  findByNumber(keyId: string, to: string): Promise<VerificationRecord | undefined>;

  /**
   * Compare-and-set write: stores `next` only if the stored record's version is `next.v - 1`.
   * Resolves false on a conflict (or a missing record); the caller re-reads and retries.
   */
  update(next: VerificationRecord, ttlMs: number): Promise<boolean>;

  /** Creates or replaces the job with the same id. */
  scheduleJob(job: Job): Promise<void>;
  /** {@link scheduleJob} for several jobs in one step (one round trip on Redis). */
  scheduleJobs(jobs: readonly Job[]): Promise<void>;
  cancelJob(id: string): Promise<void>;
  /** Due jobs (at ≤ now) not leased by anyone else; leases them to `lease.owner`. */
  claimDueJobs(now: number, limit: number, lease: Lease): Promise<Job[]>;
  /** Removes the job if it still has this token (was not rescheduled meanwhile). */
  ackJob(id: string, token: string): Promise<void>;
  /** Earliest `at` among jobs, for sleeping until then; undefined when none. */
  nextJobAt(): Promise<number | undefined>;

  enqueueWebhook(delivery: WebhookDelivery): Promise<void>;
  /**
   * Due deliveries, at most one per ordering key (the oldest, and only if due), leased to the owner.
   */
  claimWebhooks(now: number, limit: number, lease: Lease): Promise<WebhookDelivery[]>;
  completeWebhook(id: string): Promise<void>;
  retryWebhook(id: string, nextAt: number, attempts: number, lastError: string): Promise<void>;
  /** Number of deliveries waiting (metrics, tests). */
  pendingWebhooks(): Promise<number>;

  /** Adds one to a fixed-window counter and returns the count in the current window. */
  hit(counter: string, windowMs: number, now: number): Promise<number>;
  /**
   * Several hits in one atomic step (one round trip on Redis), in order, each exactly as
   * {@link hit}: stops after the first hit whose count is above its `limit` (the last count
   * returned is then that one). A hit with `ifFirst` is made only when the one before it was the
   * first in its window (count 1), and counts 0 when skipped.
   */
  hitChain(hits: readonly ChainedHit[], now: number): Promise<number[]>;
  /**
   * Takes back one hit made at `at` (a reservation that was not used: a refused or unplaced
   * start). Never below zero; a window that has ended is left alone. Its expiry is unchanged.
   */
  unhit(counter: string, windowMs: number, at: number): Promise<void>;

  /**
   * Idempotency keys, scoped (by API key id) so tenants never share one. One atomic step:
   * when the key is free, or its holder's lease ended before `now` (the engine died between
   * reserve and complete), the caller's `token` holds it for `leaseMs`; otherwise resolves with
   * what holds it. A reserve repeated with the same token (a replayed command) is `reserved` again.
   */
  reserveIdempotency(
    scope: string,
    key: string,
    entry: { fingerprint: string; token: string; now: number; leaseMs: number },
  ): Promise<IdempotencyState>;
  /**
   * Stores the response for `ttlMs` if `token` still holds the key (or nobody does: the lease ran
   * out and no one took over). Resolves false, writing nothing, when another token took it over.
   * `response` is opaque to the store (the API layer seals it).
   */
  completeIdempotency(
    scope: string,
    key: string,
    entry: { fingerprint: string; token: string; response: string; now: number; ttlMs: number },
  ): Promise<boolean>;
  /** Frees a key `token` holds in flight (a result that is not kept: the next request runs anew). */
  releaseIdempotency(scope: string, key: string, token: string): Promise<void>;
  /** The key's current state at `now`: undefined when free (never used, released, or expired). */
  getIdempotency(scope: string, key: string, now: number): Promise<Exclude<IdempotencyState, { state: 'reserved' }> | undefined>;

  /**
   * Line claims: one owner per line for a while (a flash call's caller ID towards one number, a
   * missed-call DID and the user number that will call it). One atomic step: true when `owner`
   * holds `line` now (free, expired, or already its own: the lease is renewed to `ttlMs`), false
   * when another owner does. Looked up in O(1) by the line.
   */
  claimLine(line: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Who holds `line` now; undefined when nobody does. */
  lineOwner(line: string): Promise<string | undefined>;
  /** Frees `line` if `owner` still holds it. */
  releaseLine(line: string, owner: string): Promise<void>;

  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
