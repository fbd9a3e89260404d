import { Migrator, sql, type Kysely } from 'kysely';
import type {
  AttemptRow,
  ConversionRow,
  GroupBy,
  History,
  HistoryEvent,
  PageCursor,
  RateRow,
  ReportRange,
  VerificationFilter,
  VerificationHistory,
  VerificationPage,
} from '../port';
import type { ConsoleStore } from '../../console/port';
import { SqlConsoleStore } from './console-store';
import { attemptFromDb, rateFromDb, rateToDb, verificationFromDb, webhookFromDb } from './mapping';
import { migrationProvider } from './migrations';
import { conversionReport, type SqlDialect } from './reports';
import { markDirty } from './rollup';
import type { HistoryDatabase } from './schema';
import { writeBatch } from './write-batch';
import type { RoutingOverrideStore } from '../../routing/overrides';
import { SqlRoutingOverrideStore } from './routing-overrides-store';

/**
 * The History port over one Kysely instance: the same queries for SQLite and PostgreSQL, with the
 * few dialect differences kept in rollup.ts (the conversion roll-up) and explainSearch. The
 * adapters in ../sqlite and ../postgres only open the connection.
 */
export class SqlHistory implements History {
  constructor(
    private readonly db: Kysely<HistoryDatabase>,
    readonly kind: SqlDialect,
  ) {
    this.console = new SqlConsoleStore(db);
    this.routingOverrides = new SqlRoutingOverrideStore(db);
  }

  /** The operator console's accounts, audit log and keys, in the same database. */
  readonly console: ConsoleStore;
  /** Admins' trunk and route edits (src/routing/overrides.ts), in the same database. */
  readonly routingOverrides: RoutingOverrideStore;

  async migrate(target?: string): Promise<{ applied: string[] }> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`history: migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    }
    return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  }

  /** Names of the migrations already applied, oldest first. */
  async appliedMigrations(): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    return (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
  }

  write(events: readonly HistoryEvent[]): Promise<void> {
    return writeBatch(this.db, events);
  }

  async listVerifications(filter: VerificationFilter, limit: number, after?: PageCursor): Promise<VerificationPage> {
    const rows = await this.listQuery(filter, limit, after).execute();
    const items = rows.slice(0, limit).map(verificationFromDb);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : undefined };
  }

  /** The database's plan for a search (EXPLAIN; bench/history.bench.ts and the contract check the indexes used). */
  async explainSearch(filter: VerificationFilter, limit: number): Promise<string> {
    const compiled = this.listQuery(filter, limit).compile();
    const explain = this.kind === 'sqlite' ? 'explain query plan ' : 'explain ';
    const { rows } = await this.db.executeQuery<{ detail?: string; 'QUERY PLAN'?: string }>({ ...compiled, sql: `${explain}${compiled.sql}` });
    return rows.map((r) => r.detail ?? r['QUERY PLAN'] ?? '').join('\n');
  }

  private listQuery(filter: VerificationFilter, limit: number, after?: PageCursor) {
    let query = this.db.selectFrom('verifications').selectAll();
    if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
    if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
    if (filter.status !== undefined) {
      const status = filter.status;
      // With a number, its index is the one to read (a number has a handful of rows): written as
      // an expression, the status term cannot pull the planner onto the status index, which
      // SQLite (no statistics unless ANALYZE ran) otherwise picks to avoid a sort, reading every
      // approved row of the range.
      query = filter.number === undefined ? query.where('status', '=', status) : query.where(sql<string>`status || ''`, '=', status);
    }
    if (filter.country !== undefined) query = query.where('country', '=', filter.country);
    if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
    if (filter.number !== undefined) query = query.where('number', '=', filter.number);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1);
  }

  async getVerification(id: string, keyId?: string): Promise<VerificationHistory | undefined> {
    let query = this.db.selectFrom('verifications').selectAll().where('id', '=', id);
    if (keyId !== undefined) query = query.where('key_id', '=', keyId);
    const row = await query.executeTakeFirst();
    if (!row) return undefined;
    const attempts = (await this.db.selectFrom('attempts').selectAll().where('verification_id', '=', id).orderBy('n').execute()).map(attemptFromDb);
    const costed = attempts.filter((a) => a.costMicros !== null);
    const webhooks = await this.db.selectFrom('webhook_deliveries').selectAll().where('verification_id', '=', id).orderBy('at').orderBy('attempt_no').limit(200).execute();
    return {
      verification: verificationFromDb(row),
      attempts,
      webhooks: webhooks.map(webhookFromDb),
      costMicros: costed.length ? costed.reduce((sum, a) => sum + (a.costMicros ?? 0), 0) : null,
      currency: costed[0]?.currency ?? null,
    };
  }

  conversion(groupBy: GroupBy | readonly GroupBy[], range: ReportRange): Promise<ConversionRow[]> {
    return conversionReport(this.db, this.kind, typeof groupBy === 'string' ? [groupBy] : groupBy, range);
  }

  async *attempts(range: ReportRange, pageSize = 1000): AsyncIterable<AttemptRow> {
    let after: { createdAt: number; id: string; n: number } | undefined;
    for (;;) {
      let query = this.db.selectFrom('attempts').selectAll().where('created_at', '>=', range.from).where('created_at', '<', range.to);
      if (range.keyId !== undefined) query = query.where('key_id', '=', range.keyId);
      if (after) {
        const a = after;
        // the plain lower bound lets the planner start the index range at the last row; the OR
        // alone made PostgreSQL rescan the range from its start on every page
        query = query.where('created_at', '>=', a.createdAt).where((eb) =>
          eb.or([
            eb('created_at', '>', a.createdAt),
            eb.and([eb('created_at', '=', a.createdAt), eb('verification_id', '>', a.id)]),
            eb.and([eb('created_at', '=', a.createdAt), eb('verification_id', '=', a.id), eb('n', '>', a.n)]),
          ]),
        );
      }
      const rows = await query.orderBy('created_at').orderBy('verification_id').orderBy('n').limit(pageSize).execute();
      for (const row of rows) yield attemptFromDb(row);
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = { createdAt: Number(last.created_at), id: last.verification_id, n: Number(last.n) };
    }
  }

  async purge(before: number, batch: number): Promise<number> {
    const purged = await this.db.selectFrom('verifications').select(['id', 'key_id', 'created_at']).where('created_at', '<', before).limit(batch).execute();
    const ids = purged.map((r) => r.id);
    if (ids.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('attempts').where('verification_id', 'in', ids).execute();
        await trx.deleteFrom('webhook_deliveries').where('verification_id', 'in', ids).execute();
        await trx.deleteFrom('verifications').where('id', 'in', ids).execute();
        // their roll-up buckets are rebuilt (emptied) before the next report reads them; marked
        // last, as the writer does, so the two lock rows in the same order on PostgreSQL
        await markDirty(trx, purged.map((r) => ({ createdAt: Number(r.created_at), keyId: r.key_id })));
      });
      return ids.length;
    }
    // Leftovers whose verification row is gone or never came: old attempts and webhook rows.
    const attempts = await this.db
      .deleteFrom('attempts')
      .where('verification_id', 'in', (eb) => eb.selectFrom('attempts').select('verification_id').where('created_at', '<', before).limit(batch))
      .executeTakeFirst();
    const hooks = await this.db
      .deleteFrom('webhook_deliveries')
      .where('webhook_id', 'in', (eb) => eb.selectFrom('webhook_deliveries').select('webhook_id').where('at', '<', before).limit(batch))
      .executeTakeFirst();
    return Number(attempts.numDeletedRows) + Number(hooks.numDeletedRows);
  }

  async replaceRates(trunk: string, rows: readonly RateRow[]): Promise<void> {
    // Refused before the database is touched (the primary key would refuse it too): a deck is
    // replaced whole or not at all.
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${row.prefix}@${row.validFrom}`;
      if (row.trunk !== trunk) throw new Error(`rate deck of trunk ${trunk} has a row of trunk ${row.trunk}`);
      if (seen.has(key)) throw new Error(`rate deck of trunk ${trunk} has prefix ${row.prefix} twice from ${row.validFrom}`);
      seen.add(key);
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('rates').where('trunk', '=', trunk).execute();
      for (let i = 0; i < rows.length; i += 250) await trx.insertInto('rates').values(rows.slice(i, i + 250).map(rateToDb)).execute();
    });
  }

  async rates(): Promise<RateRow[]> {
    return (await this.db.selectFrom('rates').selectAll().orderBy('trunk').orderBy('prefix').execute()).map(rateFromDb);
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
