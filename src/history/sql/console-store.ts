import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEntry, AuditFilter, ConsoleStore, Operator, Role, StoredApiKey } from '../../console/port';
import type { ConsoleKeysTable, HistoryDatabase, OperatorsTable } from './schema';

/** The console's accounts, audit log and keys in the history database (one query set for both dialects). */
export class SqlConsoleStore implements ConsoleStore {
  constructor(private readonly db: Kysely<HistoryDatabase>) {}

  async findOperator(username: string): Promise<Operator | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? operatorFromDb(row) : undefined;
  }

  async getOperator(id: string): Promise<Operator | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? operatorFromDb(row) : undefined;
  }

  async listOperators(): Promise<Operator[]> {
    return (await this.db.selectFrom('operators').selectAll().orderBy('username').execute()).map(operatorFromDb);
  }

  async countOperators(): Promise<number> {
    const row = await this.db.selectFrom('operators').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addOperator(op: Operator): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({
        id: op.id,
        username: op.username,
        role: op.role,
        password_hash: op.passwordHash,
        created_at: op.createdAt,
        disabled: op.disabled ? 1 : 0,
        failed_logins: op.failedLogins,
        locked_until: op.lockedUntil,
        session_version: op.sessionVersion,
      })
      .execute();
  }

  async loginFailed(id: string, lockUntil: number | undefined): Promise<number> {
    await this.db
      .updateTable('operators')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1), ...(lockUntil !== undefined ? { locked_until: lockUntil } : {}) }))
      .where('id', '=', id)
      .execute();
    const row = await this.db.selectFrom('operators').select('failed_logins').where('id', '=', id).executeTakeFirst();
    return Number(row?.failed_logins ?? 0);
  }

  async loginSucceeded(id: string): Promise<void> {
    await this.db.updateTable('operators').set({ failed_logins: 0, locked_until: 0 }).where('id', '=', id).execute();
  }

  async updateOperator(id: string, change: Partial<Pick<Operator, 'role' | 'disabled' | 'passwordHash'>>): Promise<void> {
    await this.db
      .updateTable('operators')
      .set((eb) => ({
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
        ...(change.passwordHash !== undefined ? { password_hash: change.passwordHash, failed_logins: 0, locked_until: 0 } : {}),
        // any change ends the operator's open sessions
        session_version: eb('session_version', '+', 1),
      }))
      .where('id', '=', id)
      .execute();
  }

  async endSessions(id: string): Promise<void> {
    await this.db
      .updateTable('operators')
      .set((eb) => ({ session_version: eb('session_version', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_log').values(entry).execute();
  }

  async auditLog(limit: number, before?: number, filter: AuditFilter = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    const { beforeId, actor, action, since } = filter;
    if (before !== undefined) {
      query = beforeId === undefined ? query.where('at', '<', before) : query.where('at', '<=', before).where((eb) => eb.or([eb('at', '<', before), eb('id', '<', beforeId)]));
    }
    if (actor !== undefined) query = query.where('actor', '=', actor);
    // a prefix without LIKE: no wildcard escaping rules to differ between SQLite and PostgreSQL
    if (action !== undefined) query = query.where(sql<string>`substr(action, 1, ${action.length})`, '=', action);
    if (since !== undefined) query = query.where('at', '>=', since);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, at: Number(r.at), status: Number(r.status) }));
  }

  async addKey(key: StoredApiKey): Promise<void> {
    await this.db
      .insertInto('console_keys')
      .values({
        id: key.id,
        name: key.name,
        secret_digest: key.secretDigest,
        channels: key.channels.join(','),
        admin: key.admin ? 1 : 0,
        reports: key.reports ? 1 : 0,
        created_at: key.createdAt,
        created_by: key.createdBy,
        revoked_at: key.revokedAt,
      })
      .execute();
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    const result = await this.db.updateTable('console_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async keys(): Promise<StoredApiKey[]> {
    return (await this.db.selectFrom('console_keys').selectAll().orderBy('created_at').execute()).map(keyFromDb);
  }
}

function operatorFromDb(row: Selectable<OperatorsTable>): Operator {
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    passwordHash: row.password_hash,
    createdAt: Number(row.created_at),
    disabled: Number(row.disabled) === 1,
    failedLogins: Number(row.failed_logins),
    lockedUntil: Number(row.locked_until),
    sessionVersion: Number(row.session_version),
  };
}

function keyFromDb(row: Selectable<ConsoleKeysTable>): StoredApiKey {
  return {
    id: row.id,
    name: row.name,
    secretDigest: row.secret_digest,
    channels: row.channels === '' ? [] : row.channels.split(','),
    admin: Number(row.admin) === 1,
    reports: Number(row.reports) === 1,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
