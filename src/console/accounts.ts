import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyConfig } from '../config/schema';
import { CHANNELS } from '../config/schema';
import { digest, type KeyRing } from '../api/keys';
import { AppError } from '../lib/errors';
import { dummyHash, hashPassword, passwordAcceptable, verifyPassword } from './passwords';
import type { AuditEntry, AuditFilter, ConsoleStore, Operator, Role, StoredApiKey } from './port';

export interface AccountSettings {
  maxFailedLogins: number;
  lockoutMs: number;
}

/** What a console-made key may do: channels, admin, reports (nothing else can be set from the console). */
export interface NewKey {
  id: string;
  name: string;
  channels: Array<(typeof CHANNELS)[number]>;
  admin: boolean;
  reports: boolean;
}

/**
 * Operator accounts, logins with lockout, console-made API keys and the audit log, over the
 * ConsoleStore port. A wrong user name costs the same scrypt work as a wrong password.
 */
export class ConsoleAccounts {
  constructor(
    private readonly store: ConsoleStore,
    private readonly settings: AccountSettings,
    private readonly now: () => number,
  ) {}

  /** The operator, or CONSOLE_LOGIN_INVALID / CONSOLE_LOGIN_LOCKED. Records the outcome in the audit log. */
  async login(username: string, password: string, from: string): Promise<Operator> {
    const op = await this.store.findOperator(username);
    const ok = await verifyPassword(password, op?.passwordHash ?? (await dummyHash()));
    const now = this.now();
    if (op && op.lockedUntil > now) {
      await this.audit(username, 'login.locked', null, 423, { from });
      throw new AppError('CONSOLE_LOGIN_LOCKED', { details: { retryAfterSeconds: Math.ceil((op.lockedUntil - now) / 1000) } });
    }
    if (!op || !ok || op.disabled) {
      if (op) {
        const lock = op.failedLogins + 1 >= this.settings.maxFailedLogins ? now + this.settings.lockoutMs : undefined;
        await this.store.loginFailed(op.id, lock);
        if (lock !== undefined) {
          await this.audit(username, 'login.lockout', op.id, 423, { from });
          throw new AppError('CONSOLE_LOGIN_LOCKED', { details: { retryAfterSeconds: Math.ceil(this.settings.lockoutMs / 1000) } });
        }
      }
      await this.audit(username.slice(0, 64), 'login.failed', null, 401, { from });
      throw new AppError('CONSOLE_LOGIN_INVALID');
    }
    await this.store.loginSucceeded(op.id);
    await this.audit(op.username, 'login', op.id, 200, { from });
    return op;
  }

  async addOperator(actor: string, username: string, role: Role, password: string): Promise<Operator> {
    if (!passwordAcceptable(password)) throw new AppError('CONSOLE_PASSWORD_WEAK');
    if (await this.store.findOperator(username)) throw new AppError('CONSOLE_OPERATOR_EXISTS');
    const op: Operator = { id: randomUUID(), username, role, passwordHash: await hashPassword(password), createdAt: this.now(), disabled: false, failedLogins: 0, lockedUntil: 0, sessionVersion: 1 };
    await this.store.addOperator(op);
    await this.audit(actor, 'operator.add', username, 200, { role });
    return op;
  }

  getOperator(id: string): Promise<Operator | undefined> {
    return this.store.getOperator(id);
  }

  listOperators(): Promise<Operator[]> {
    return this.store.listOperators();
  }

  countOperators(): Promise<number> {
    return this.store.countOperators();
  }

  async updateOperator(actor: string, username: string, change: { role?: Role | undefined; disabled?: boolean | undefined; unlock?: boolean | undefined }): Promise<void> {
    const op = await this.store.findOperator(username);
    if (!op) throw new AppError('REQUEST_INVALID', { details: { field: 'username', reason: 'no such operator' } });
    if (change.role !== undefined || change.disabled !== undefined) await this.store.updateOperator(op.id, { ...(change.role ? { role: change.role } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}) });
    if (change.unlock) await this.store.loginSucceeded(op.id);
    await this.audit(actor, 'operator.update', username, 200, change);
  }

  /** An operator's own password change: needs the current one; ends every session of the account (the caller gets a new one). */
  async changePassword(id: string, current: string, next: string): Promise<Operator> {
    const op = await this.store.getOperator(id);
    if (!op || op.disabled) throw new AppError('CONSOLE_SESSION_REQUIRED');
    if (!(await verifyPassword(current, op.passwordHash))) {
      await this.audit(op.username, 'password.change', op.id, 403, undefined);
      throw new AppError('CONSOLE_PASSWORD_WRONG', { details: { field: 'current' } });
    }
    if (!passwordAcceptable(next)) throw new AppError('CONSOLE_PASSWORD_WEAK', { details: { field: 'password' } });
    await this.store.updateOperator(op.id, { passwordHash: await hashPassword(next) });
    await this.audit(op.username, 'password.change', op.id, 200, undefined);
    const changed = await this.store.getOperator(id);
    if (!changed) throw new AppError('CONSOLE_SESSION_REQUIRED');
    return changed;
  }

  /** Logout: ends every session of the operator (a copied cookie too) on every engine sharing the database. */
  async logout(op: { id: string; username: string }): Promise<void> {
    await this.store.endSessions(op.id);
    await this.audit(op.username, 'logout', null, 200, undefined);
  }

  /** Makes a key; the secret is returned here once and kept only as a digest. */
  async createKey(actor: string, keys: KeyRing, input: NewKey): Promise<{ key: StoredApiKey; secret: string }> {
    if (keys.get(input.id)) throw new AppError('CONSOLE_KEY_EXISTS');
    const secret = randomBytes(24).toString('base64url');
    const key: StoredApiKey = { id: input.id, name: input.name, secretDigest: digest(secret).toString('hex'), channels: input.channels, admin: input.admin, reports: input.reports, createdAt: this.now(), createdBy: actor, revokedAt: null };
    await this.store.addKey(key);
    keys.addDigested(keyConfig(key), digest(secret));
    await this.audit(actor, 'key.create', key.id, 200, { channels: key.channels, admin: key.admin, reports: key.reports });
    return { key, secret };
  }

  async revokeKey(actor: string, keys: KeyRing, id: string): Promise<void> {
    if (!(await this.store.revokeKey(id, this.now()))) throw new AppError('CONSOLE_KEY_NOT_FOUND');
    keys.remove(id);
    await this.audit(actor, 'key.revoke', id, 200, undefined);
  }

  consoleKeys(): Promise<StoredApiKey[]> {
    return this.store.keys();
  }

  /** Puts the console-made keys into the key ring (start-up, and now and then for other engines' changes). */
  async syncKeys(keys: KeyRing): Promise<void> {
    for (const key of await this.store.keys()) {
      if (key.revokedAt !== null) keys.remove(key.id);
      else keys.addDigested(keyConfig(key), Buffer.from(key.secretDigest, 'hex'));
    }
  }

  async audit(actor: string, action: string, target: string | null, status: number, detail: unknown): Promise<void> {
    const entry: AuditEntry = { id: randomUUID(), at: this.now(), actor, action, target, status, detail: detail === undefined ? null : JSON.stringify(detail).slice(0, 1000) };
    await this.store.audit(entry);
  }

  auditLog(limit: number, before?: number, filter?: AuditFilter): Promise<AuditEntry[]> {
    return this.store.auditLog(limit, before, filter);
  }
}

/** A console-made key as the key ring sees it (no secret: the ring holds its digest). */
export function keyConfig(key: StoredApiKey): ApiKeyConfig {
  return {
    id: key.id,
    secret: '',
    name: key.name,
    disabled: false,
    allowedCallerIds: [],
    allowedSenders: [],
    allowedChannels: key.channels.filter((c): c is (typeof CHANNELS)[number] => (CHANNELS as readonly string[]).includes(c)),
    allowCustomCode: false,
    replaceActive: false,
    voiceGate: false,
    amd: 'off',
    admin: key.admin,
    reports: key.reports,
  };
}
