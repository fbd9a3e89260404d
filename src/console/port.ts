/**
 * The console's storage port: operator accounts, the audit log and the API keys made from the
 * console. Kept in the history database (src/history/sql/console-store.ts, SQLite and PostgreSQL);
 * the console code sees this port only. Times are epoch milliseconds.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer < operator < admin: `atLeast('operator', role)`. */
export function roleAtLeast(wanted: Role, actual: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(wanted);
}

export interface Operator {
  id: string;
  username: string;
  role: Role;
  /** `scrypt$…` (src/console/passwords.ts). */
  passwordHash: string;
  createdAt: number;
  disabled: boolean;
  /** Wrong passwords since the last good one. */
  failedLogins: number;
  /** Locked until this time after too many wrong passwords (0: not locked). */
  lockedUntil: number;
  /** Raised on logout and when the password, role or disabled state changes: older sessions end. */
  sessionVersion: number;
}

export interface AuditEntry {
  id: string;
  at: number;
  /** Operator user name, or `cli` for `pbxverify operator add`. */
  actor: string;
  /** What was done: `login`, `key.create`, `do-not-call.add`… */
  action: string;
  /** What it was done to (a key id, a verification id; never a number in clear). */
  target: string | null;
  /** HTTP status of the change, or 0 outside HTTP. */
  status: number;
  /** Short JSON detail (never secrets, codes or numbers). */
  detail: string | null;
}

/** What the audit log page filters on (all optional, all server-side). */
export interface AuditFilter {
  /** Exact actor (operator user name, `key:ID`, `cli`). */
  actor?: string | undefined;
  /** Action prefix: `login` finds `login`, `login.failed`, `login.lockout`. */
  action?: string | undefined;
  /** With `before`: rows at that very time are paged by id, none skipped. */
  beforeId?: string | undefined;
  /** Only entries at or after this time. */
  since?: number | undefined;
}

/** An API key made in the console: its secret is kept as a SHA-256 digest only. */
export interface StoredApiKey {
  id: string;
  name: string;
  /** Hex SHA-256 of the secret. */
  secretDigest: string;
  channels: string[];
  admin: boolean;
  reports: boolean;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
}

export interface ConsoleStore {
  findOperator(username: string): Promise<Operator | undefined>;
  getOperator(id: string): Promise<Operator | undefined>;
  listOperators(): Promise<Operator[]>;
  countOperators(): Promise<number>;
  /** Refuses (rejects) a user name already taken. */
  addOperator(op: Operator): Promise<void>;
  /** Records one wrong password; locks the account until `lockUntil` when `lock` is set. */
  loginFailed(id: string, lockUntil: number | undefined): Promise<number>;
  loginSucceeded(id: string): Promise<void>;
  updateOperator(id: string, change: Partial<Pick<Operator, 'role' | 'disabled' | 'passwordHash'>>): Promise<void>;
  /** Raises the session version: every session of the operator, on every engine, ends (logout). */
  endSessions(id: string): Promise<void>;

  audit(entry: AuditEntry): Promise<void>;
  /** Newest first; `before` (with `filter.beforeId`, the last row of the previous page) pages back. */
  auditLog(limit: number, before?: number, filter?: AuditFilter): Promise<AuditEntry[]>;

  addKey(key: StoredApiKey): Promise<void>;
  revokeKey(id: string, at: number): Promise<boolean>;
  /** Every key, revoked ones too (they stay refused). */
  keys(): Promise<StoredApiKey[]>;
}
