import { CompiledQuery, sql, type Compilable, type Kysely, type Transaction } from 'kysely';
import { yieldToLoop } from '../../lib/yield';
import type { HistoryEvent } from '../port';
import { attemptToDb, verificationToDb, webhookToDb } from './mapping';
import { markDirty } from './rollup';
import type { AttemptsTable, HistoryDatabase, VerificationsTable, WebhookDeliveriesTable } from './schema';

/**
 * Rows per INSERT statement (well under SQLite's and PostgreSQL's bound-parameter limits), small
 * enough that one synchronous SQLite statement blocks the event loop for a few ms only.
 */
const CHUNK = 50;

/**
 * Writes one batch in one transaction with idempotent upserts: a row already stored with the same
 * or a newer version (`v`) is left alone, so redelivered or reordered events never duplicate or
 * roll back a row. Rows are sorted by key, so two engines writing overlapping batches to one
 * PostgreSQL lock rows in the same order and never deadlock.
 */
export async function writeBatch(db: Kysely<HistoryDatabase>, events: readonly HistoryEvent[]): Promise<void> {
  const upserts = compiledUpserts(db);
  const verifications = new Map<string, VerificationsTable>();
  const attempts = new Map<string, AttemptsTable>();
  const webhooks = new Map<string, WebhookDeliveriesTable>();
  for (const event of events) {
    if (event.kind === 'verification') {
      const seen = verifications.get(event.row.id);
      if (!seen || seen.v <= event.row.v) verifications.set(event.row.id, verificationToDb(event.row));
    } else if (event.kind === 'attempt') {
      const key = `${event.row.verificationId}\u0000${String(event.row.n).padStart(4, '0')}`;
      const seen = attempts.get(key);
      if (!seen || seen.v <= event.row.v) attempts.set(key, attemptToDb(event.row));
    } else {
      webhooks.set(`${event.row.webhookId}\u0000${String(event.row.attemptNo).padStart(6, '0')}`, webhookToDb(event.row));
    }
  }
  if (verifications.size + attempts.size + webhooks.size === 0) return;
  await db.transaction().execute(async (trx) => {
    // better-sqlite3 is synchronous: each chunk yields to the event loop so that a large batch
    // does not hold the requests behind it (src/lib/yield.ts).
    for (const rows of chunks(sorted(verifications))) {
      await upsert(trx, upserts, 'verifications', rows, upsertVerifications);
      await yieldToLoop();
    }
    for (const rows of chunks(sorted(attempts))) {
      await upsert(trx, upserts, 'attempts', rows, upsertAttempts);
      await yieldToLoop();
    }
    for (const rows of chunks(sorted(webhooks))) {
      await trx.insertInto('webhook_deliveries').values(rows).onConflict((oc) => oc.columns(['webhook_id', 'attempt_no']).doNothing()).execute();
    }
    // the conversion roll-up of the days touched is rebuilt before a report reads it (rollup.ts)
    const touched = [...verifications.values(), ...attempts.values()].map((r) => ({ createdAt: Number(r.created_at), keyId: r.key_id }));
    if (touched.length) await markDirty(trx, touched);
  });
}

/** SQL of the upserts by table, row count and columns, per database (its dialect writes the SQL). */
const compiledByDb = new WeakMap<Kysely<HistoryDatabase>, Map<string, string>>();
/** Upsert shapes kept per database: 1–50 rows × 2 tables, with room for other column sets. */
const MAX_SHAPES = 500;

function compiledUpserts(db: Kysely<HistoryDatabase>): Map<string, string> {
  let cache = compiledByDb.get(db);
  if (!cache) compiledByDb.set(db, (cache = new Map<string, string>()));
  return cache;
}

/**
 * Runs an upsert, compiling its SQL with Kysely only the first time a shape (table, row count,
 * columns) comes: building and compiling the 50-row upserts was a quarter of the history writer's time
 * under load (docs/benchmarks.md). The cached SQL is reused only when Kysely's own parameters for
 * that first batch were exactly the rows' values in column order, so what runs is what Kysely
 * would have run; rows of uneven shape always go through Kysely.
 */
async function upsert<Row extends object>(
  trx: Transaction<HistoryDatabase>,
  cache: Map<string, string>,
  table: string,
  rows: Row[],
  build: (trx: Transaction<HistoryDatabase>, rows: Row[]) => Compilable,
): Promise<void> {
  const columns = Object.keys(rows[0] as object);
  const uniform = rows.every((row) => {
    const keys = Object.keys(row);
    return keys.length === columns.length && keys.every((k, i) => k === columns[i] && (row as Record<string, unknown>)[k] !== undefined);
  });
  const key = `${table}\u0000${rows.length}\u0000${columns.join(',')}`;
  const values = uniform ? rows.flatMap((row) => columns.map((c) => (row as Record<string, unknown>)[c])) : [];
  const known = uniform ? cache.get(key) : undefined;
  if (known !== undefined) {
    await trx.executeQuery(CompiledQuery.raw(known, values));
    return;
  }
  const query = build(trx, rows).compile();
  const same = query.parameters.length === values.length && query.parameters.every((p, i) => Object.is(p, values[i]));
  if (uniform && same && cache.size < MAX_SHAPES) cache.set(key, query.sql);
  await trx.executeQuery(query);
}

function upsertVerifications(trx: Transaction<HistoryDatabase>, rows: VerificationsTable[]): Compilable {
  return trx
    .insertInto('verifications')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          v: eb.ref('excluded.v'),
          status: eb.ref('excluded.status'),
          reason: eb.ref('excluded.reason'),
          ended_by: eb.ref('excluded.ended_by'),
          updated_at: eb.ref('excluded.updated_at'),
          ended_at: eb.ref('excluded.ended_at'),
          checks: eb.ref('excluded.checks'),
          delivered: eb.ref('excluded.delivered'),
        }))
        .where(sql<boolean>`verifications.v <= excluded.v`),
    );
}

function upsertAttempts(trx: Transaction<HistoryDatabase>, rows: AttemptsTable[]): Compilable {
  return trx
    .insertInto('attempts')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['verification_id', 'n'])
        .doUpdateSet((eb) => ({
          v: eb.ref('excluded.v'),
          status: eb.ref('excluded.status'),
          result: eb.ref('excluded.result'),
          outcome: eb.ref('excluded.outcome'),
          node: eb.ref('excluded.node'),
          trunk: eb.ref('excluded.trunk'),
          caller_id: eb.ref('excluded.caller_id'),
          ringing_at: eb.ref('excluded.ringing_at'),
          answered_at: eb.ref('excluded.answered_at'),
          ended_at: eb.ref('excluded.ended_at'),
          billsec: eb.ref('excluded.billsec'),
          sip_status: eb.ref('excluded.sip_status'),
          q850: eb.ref('excluded.q850'),
          cause_text: eb.ref('excluded.cause_text'),
          gate: eb.ref('excluded.gate'),
          dtmf: eb.ref('excluded.dtmf'),
          amd: eb.ref('excluded.amd'),
          amd_cause: eb.ref('excluded.amd_cause'),
          sms_parts: eb.ref('excluded.sms_parts'),
          sms_status: eb.ref('excluded.sms_status'),
          sms_gateway: eb.ref('excluded.sms_gateway'),
          sms_encoding: eb.ref('excluded.sms_encoding'),
          failover: eb.ref('excluded.failover'),
          cost_micros: eb.ref('excluded.cost_micros'),
          currency: eb.ref('excluded.currency'),
        }))
        .where(sql<boolean>`attempts.v <= excluded.v`),
    );
}

function sorted<T>(rows: Map<string, T>): T[] {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}
