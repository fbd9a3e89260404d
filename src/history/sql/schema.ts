/**
 * The history tables as Kysely sees them (one schema for SQLite and PostgreSQL). Times are epoch
 * milliseconds in 64-bit integers; money is integer micro-units; booleans are 0/1 integers so the
 * two databases store the same values.
 */
export interface VerificationsTable {
  id: string;
  v: number;
  key_id: string;
  number: string;
  country: string | null;
  number_type: string | null;
  prefix: string;
  workflow: string;
  channel: string;
  lang: string;
  status: string;
  reason: string | null;
  ended_by: string | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  checks: number;
  delivered: number;
}

export interface AttemptsTable {
  verification_id: string;
  n: number;
  v: number;
  key_id: string;
  created_at: number;
  country: string | null;
  prefix: string;
  channel: string;
  status: string;
  result: string | null;
  outcome: string | null;
  node: string | null;
  trunk: string | null;
  caller_id: string | null;
  started_at: number;
  ringing_at: number | null;
  answered_at: number | null;
  ended_at: number | null;
  billsec: number | null;
  sip_status: number | null;
  q850: number | null;
  cause_text: string | null;
  gate: string | null;
  dtmf: string | null;
  /** Added by migration 003_amd. */
  amd: string | null;
  amd_cause: string | null;
  sms_parts: number | null;
  sms_status: string | null;
  sms_gateway: string | null;
  sms_encoding: string | null;
  /** JSON array of {@link FailoverRow}, null when no trunk refused first. */
  failover: string | null;
  cost_micros: number | null;
  currency: string | null;
}

export interface WebhookDeliveriesTable {
  webhook_id: string;
  attempt_no: number;
  verification_id: string;
  key_id: string;
  type: string;
  url_host: string;
  status_code: number | null;
  result: string;
  latency_ms: number;
  at: number;
}

export interface RatesTable {
  trunk: string;
  prefix: string;
  rate_per_min_micros: number;
  first_increment: number;
  next_increment: number;
  connection_fee_micros: number;
  sms_price_micros: number;
  currency: string;
  valid_from: number;
}

export interface OperatorsTable {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  created_at: number;
  disabled: number;
  failed_logins: number;
  locked_until: number;
  session_version: number;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  status: number;
  detail: string | null;
}

export interface ConsoleKeysTable {
  id: string;
  name: string;
  secret_digest: string;
  /** Comma-separated channels. */
  channels: string;
  admin: number;
  reports: number;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
}

/** Conversion roll-up (migration 006; src/history/sql/rollup.ts): one row per day × key × country × channel × trunk. */
export interface RollupTable {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  key_id: string;
  /** `??` when unknown. */
  country: string;
  channel: string;
  /** `(none)` when no attempt had a trunk (SMS). */
  trunk: string;
  started: number;
  delivered: number;
  verified: number;
  cost_micros: number;
  currency: string | null;
  /** Time-to-verify histogram of the approved verifications: `bucket:count,…` (rollup.ts). */
  ttv_hist: string;
}

/** (day, key) buckets whose roll-up rows must be rebuilt before they are read; `gen` grows with each mark. */
export interface RollupDirtyTable {
  day: string;
  key_id: string;
  gen: number;
}

export interface RoutingOverridesTable {
  kind: string;
  name: string;
  /** JSON of the edit (src/routing/overrides.ts). */
  body: string;
  updated_at: number;
  updated_by: string;
}

export interface HistoryDatabase {
  verifications: VerificationsTable;
  attempts: AttemptsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  rates: RatesTable;
  operators: OperatorsTable;
  audit_log: AuditLogTable;
  console_keys: ConsoleKeysTable;
  conversion_rollup: RollupTable;
  rollup_dirty: RollupDirtyTable;
  routing_overrides: RoutingOverridesTable;
}
