/**
 * The History port: the durable record of what every verification did and cost, kept after the
 * live record expired. Adapters: SQLite (embedded default) and PostgreSQL, both through the one
 * Kysely query layer in `sql/`. Nothing here names a SQL type; the domain never sees this port
 * (it emits events; `recorder.ts` turns them into rows and an outbox carries them here).
 *
 * Writes are idempotent upserts: a row written twice (outbox redelivery after a crash, two
 * engines) is stored once, and a row carrying an older version never replaces a newer one.
 */

/** Times are epoch milliseconds throughout. Money is in micro-units of `currency` (1e-6). */
export interface VerificationRow {
  id: string;
  /** Record version: a write with a lower `v` than the stored row is ignored. */
  v: number;
  keyId: string;
  /** Stored as `history.numbers` says: full E.164, masked, or an HMAC (hex) of the E.164. */
  number: string;
  /** ISO country, number type (libphonenumber's) and the first digits, for grouping. */
  country: string | null;
  numberType: string | null;
  prefix: string;
  workflow: string;
  /** Channel of the first workflow step. */
  channel: string;
  lang: string;
  status: string;
  /** Why it ended: `code-matched`, `keypad-matched`, `expired`, `canceled`, or the failure reason (`too-many-wrong-codes`, `no-input`…). */
  reason: string | null;
  /** Who ended it: `api` (check, cancel), `phone` (reverse match), `engine` (expiry, failure). */
  endedBy: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  /** API checks made (wrong ones plus the one that matched). */
  checks: number;
  /** 1 when an attempt reached the person: call answered or SMS accepted. */
  delivered: boolean;
}

export interface AttemptRow {
  verificationId: string;
  n: number;
  /** Version of the verification record this row was taken from (orders upserts). */
  v: number;
  keyId: string;
  /** The verification's creation time (range filters and purge). */
  createdAt: number;
  country: string | null;
  prefix: string;
  channel: string;
  status: 'running' | 'completed';
  result: string | null;
  outcome: string | null;
  node: string | null;
  trunk: string | null;
  callerId: string | null;
  startedAt: number;
  ringingAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  /** Billable seconds (answer to hang-up, rounded up). */
  billsec: number | null;
  sipStatus: number | null;
  q850: number | null;
  causeText: string | null;
  /** Anti-voicemail gate: `passed`, `wrong`, `none`; null when no gate. Never the digits. */
  gate: string | null;
  /** Reverse verification: `matched`, `mismatch`, `no-input`; null otherwise. Never the digits. */
  dtmf: string | null;
  /** Answering-machine detection: `human`, `machine`, `notsure`; null when off or not answered. */
  amd: string | null;
  /** The mode, the detector's reason (AMDCAUSE, greeting length), then `beep`/`no-beep` and `message` when left; null when off. */
  amdCause: string | null;
  smsParts: number | null;
  smsStatus: string | null;
  /** SMS gateway that took the message, and the encoding of its parts (`gsm7`, `ucs2`). */
  smsGateway: string | null;
  smsEncoding: string | null;
  /** Trunks that refused before the one that carried the call, in order (empty when none). */
  failover: FailoverRow[];
  /** Cost in micro-units; null when no rate applies. Filled by the writer from the rate decks. */
  costMicros: number | null;
  currency: string | null;
}

export interface FailoverRow {
  trunk: string;
  outcome: string;
  sip: number | null;
  q850: number | null;
  text: string | null;
}

export interface WebhookRow {
  webhookId: string;
  /** 1-based delivery try. */
  attemptNo: number;
  verificationId: string;
  keyId: string;
  type: string;
  /** Host of the URL only (never its path or query: compat callbacks put numbers there). */
  urlHost: string;
  /** HTTP status, null when no response (timeout, refused). */
  statusCode: number | null;
  result: 'delivered' | 'retry' | 'dropped';
  latencyMs: number;
  at: number;
}

/** One change for the history, as the outbox carries it (JSON). */
export type HistoryEvent =
  | { kind: 'verification'; row: VerificationRow }
  | { kind: 'attempt'; row: AttemptRow }
  | { kind: 'webhook'; row: WebhookRow };

export interface VerificationFilter {
  keyId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  status?: string | undefined;
  country?: string | undefined;
  channel?: string | undefined;
  /** Already stored form (hashed/masked/full as configured). */
  number?: string | undefined;
}

/** Cursor: the position after the last row of the previous page (newest first). */
export interface PageCursor {
  createdAt: number;
  id: string;
}

export interface VerificationPage {
  items: VerificationRow[];
  next: PageCursor | undefined;
}

export interface VerificationHistory {
  verification: VerificationRow;
  attempts: AttemptRow[];
  /** Webhook delivery tries, oldest first (at most 200). */
  webhooks?: WebhookRow[] | undefined;
  costMicros: number | null;
  currency: string | null;
}

export const GROUP_BY = ['country', 'channel', 'trunk', 'day', 'key'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface ConversionRow {
  /** The group's values joined with `,` (one value when grouped by one dimension). */
  group: string;
  /** The group's values, one per `group_by` dimension, in its order. */
  groups: string[];
  started: number;
  delivered: number;
  verified: number;
  /** Median time from start to approval, ms (from a log-scale histogram: within ±2.2 %); null when none approved. */
  medianTimeToVerifyMs: number | null;
  costMicros: number;
  currency: string | null;
}

export interface ReportRange {
  from: number;
  to: number;
  keyId?: string | undefined;
}

export interface RateRow {
  trunk: string;
  prefix: string;
  /** Micro-units per minute. */
  ratePerMinMicros: number;
  /** Billing increments: first block and each next block, seconds (60/60, 1/1, 30/6…). */
  firstIncrement: number;
  nextIncrement: number;
  connectionFeeMicros: number;
  smsPriceMicros: number;
  currency: string;
  validFrom: number;
}

export interface History {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Brings the schema to the newest version; idempotent, safe with several engines at once. */
  migrate(): Promise<{ applied: string[] }>;
  /** Writes a batch in one transaction (idempotent upserts). Rejects when the database is unreachable. */
  write(events: readonly HistoryEvent[]): Promise<void>;
  /** Newest first; `limit` rows at most. */
  listVerifications(filter: VerificationFilter, limit: number, after?: PageCursor): Promise<VerificationPage>;
  getVerification(id: string, keyId?: string): Promise<VerificationHistory | undefined>;
  /** Grouped by one or more dimensions (rows sorted by their values in that order). */
  conversion(groupBy: GroupBy | readonly GroupBy[], range: ReportRange): Promise<ConversionRow[]>;
  /** Attempts of verifications created in the range, oldest first, read in pages (bounded memory). */
  attempts(range: ReportRange, pageSize?: number): AsyncIterable<AttemptRow>;
  /** Deletes up to `batch` verifications created before `before` with their attempts; returns how many. */
  purge(before: number, batch: number): Promise<number>;
  /** Replaces a trunk's whole rate deck in one transaction. */
  replaceRates(trunk: string, rows: readonly RateRow[]): Promise<void>;
  rates(): Promise<RateRow[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
