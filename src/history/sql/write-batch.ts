import { sql, type Kysely, type Transaction } from 'kysely';
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
      await upsertVerifications(trx, rows);
      await yieldToLoop();
    }
    for (const rows of chunks(sorted(attempts))) {
      await upsertAttempts(trx, rows);
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

async function upsertVerifications(trx: Transaction<HistoryDatabase>, rows: VerificationsTable[]): Promise<void> {
  await trx
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
    )
    .execute();
}

async function upsertAttempts(trx: Transaction<HistoryDatabase>, rows: AttemptsTable[]): Promise<void> {
  await trx
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
    )
    .execute();
}

function sorted<T>(rows: Map<string, T>): T[] {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}
