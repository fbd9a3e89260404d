import { sql, type Kysely, type Transaction } from 'kysely';
import type { HistoryDatabase, RollupTable } from './schema';

export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The conversion roll-up (migration 006): one row per UTC day × key × country × channel × trunk
 * with started / delivered / verified / cost and a histogram of the time to verify. It is never
 * incremented: the writer marks the (day, key) buckets a batch touched as dirty in the batch's own
 * transaction (`rollup_dirty.gen` bumped), and a report first recomputes the dirty buckets of its
 * range from the base tables (one day of one key at a time), then reads the roll-up. Replayed or
 * reordered events, several engines on one PostgreSQL and retention purges therefore only cause a
 * recompute, never a double count. docs/history.md "Conversion roll-up" has the reasoning.
 */

const DAY = 86_400_000;
/** Histogram buckets per doubling of the time to verify: bucket width 2^(1/16) ≈ 4.4 %. */
export const BUCKETS_PER_DOUBLING = 16;
const SCALE = BUCKETS_PER_DOUBLING / Math.LN2;
/** Bucket of a time to verify under 1 ms (stored as 0 ms). */
const ZERO_BUCKET = -1;
/** Not in the histogram (not approved, or no end time). */
const NO_BUCKET = -2;
/** Rows per INSERT of roll-up rows (11 columns: well under both parameter limits). */
const CHUNK = 200;

/** The latest time a JS Date (and so a day string) can hold. */
const MAX_TIME = 8_640_000_000_000_000;

export function dayOf(ms: number): string {
  return new Date(Math.min(Math.max(ms, 0), MAX_TIME)).toISOString().slice(0, 10);
}

export function dayStart(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Histogram bucket of a time to verify (the SQL below computes the same). */
export function bucketOf(ms: number): number {
  return ms < 1 ? ZERO_BUCKET : Math.floor(Math.log(ms) * SCALE);
}

/** The value a bucket stands for: its geometric middle, within ±2.2 % of every time in it. */
export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : Math.round(2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING));
}

/** One roll-up cell (the table row, with the histogram decoded). */
export interface RollupCell {
  day: string;
  keyId: string;
  country: string;
  channel: string;
  trunk: string;
  started: number;
  delivered: number;
  verified: number;
  costMicros: number;
  currency: string | null;
  /** bucket → approved verifications whose time to verify falls in it. */
  hist: Map<number, number>;
}

export function encodeHist(hist: ReadonlyMap<number, number>): string {
  return [...hist.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, n]) => `${bucket}:${n}`)
    .join(',');
}


/** The median of a merged histogram: the mean of the middle one or two buckets' values (as the exact median of an even count). */
export function histMedian(hist: ReadonlyMap<number, number>): number | null {
  const buckets = [...hist.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const count = buckets.reduce((s, [, n]) => s + n, 0);
  if (count === 0) return null;
  const at = (rank: number): number => {
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (seen >= rank) return bucketValue(bucket);
    }
    return bucketValue((buckets.at(-1) as [number, number])[0]);
  };
  return Math.round((at(Math.floor((count + 1) / 2)) + at(Math.floor((count + 2) / 2))) / 2);
}

interface CellDbRow {
  key_id: string;
  country: string;
  channel: string;
  trunk: string;
  bucket: number | string;
  started: number | string;
  delivered: number | string | null;
  verified: number | string | null;
  cost: number | string | null;
  currency: string | null;
}

/**
 * Roll-up cells of the verifications created in [from, to), a span inside the one UTC day `day`,
 * computed from the base tables (the attempts' trunk and cost per verification, as the exact
 * report always did: the first trunk by name, the sum of the attempts' costs).
 */
export async function cellsFromBase(db: Kysely<HistoryDatabase> | Transaction<HistoryDatabase>, day: string, from: number, to: number, keyId?: string): Promise<RollupCell[]> {
  const keyFilter = keyId === undefined ? sql`` : sql` and v.key_id = ${keyId}`;
  const attemptKeyFilter = keyId === undefined ? sql`` : sql` and a.key_id = ${keyId}`;
  const ttv = sql`(v.ended_at - v.created_at)`;
  const bucket = sql`case when v.status <> 'approved' or v.ended_at is null then ${sql.lit(NO_BUCKET)}
    when ${ttv} < 1 then ${sql.lit(ZERO_BUCKET)}
    else cast(floor(ln(cast(${ttv} as double precision)) * ${sql.lit(SCALE)}) as integer) end`;
  const { rows } = await sql<CellDbRow>`
    select v.key_id as key_id, coalesce(v.country, '??') as country, v.channel as channel, coalesce(c.trunk, '(none)') as trunk,
           ${bucket} as bucket, count(*) as started, sum(v.delivered) as delivered,
           sum(case when v.status = 'approved' then 1 else 0 end) as verified, sum(c.cost) as cost, max(c.currency) as currency
    from verifications v
    left join (
      select a.verification_id as verification_id, sum(a.cost_micros) as cost, max(a.currency) as currency, min(a.trunk) as trunk
      from attempts a
      where a.created_at >= ${from} and a.created_at < ${to}${attemptKeyFilter}
      group by a.verification_id
    ) c on c.verification_id = v.id
    where v.created_at >= ${from} and v.created_at < ${to}${keyFilter}
    group by 1, 2, 3, 4, 5`.execute(db);
  const cells = new Map<string, RollupCell>();
  for (const row of rows) {
    const id = `${row.key_id}\u0000${row.country}\u0000${row.channel}\u0000${row.trunk}`;
    let cell = cells.get(id);
    if (!cell) {
      cell = { day, keyId: row.key_id, country: row.country, channel: row.channel, trunk: row.trunk, started: 0, delivered: 0, verified: 0, costMicros: 0, currency: null, hist: new Map() };
      cells.set(id, cell);
    }
    cell.started += Number(row.started);
    cell.delivered += Number(row.delivered ?? 0);
    cell.verified += Number(row.verified ?? 0);
    cell.costMicros += Number(row.cost ?? 0);
    if (row.currency !== null && (cell.currency === null || row.currency > cell.currency)) cell.currency = row.currency;
    const b = Number(row.bucket);
    if (b !== NO_BUCKET) cell.hist.set(b, (cell.hist.get(b) ?? 0) + Number(row.started));
  }
  return [...cells.values()];
}

/**
 * Marks the (day, key) buckets of these verification creation times dirty, inside the writer's
 * (or the purge's) transaction. Sorted, so concurrent writers lock the rows in one order.
 */
export async function markDirty(trx: Transaction<HistoryDatabase>, touched: Iterable<{ createdAt: number; keyId: string }>): Promise<void> {
  const seen = new Map<string, { day: string; key_id: string; gen: number }>();
  for (const t of touched) {
    const day = dayOf(t.createdAt);
    seen.set(`${day}\u0000${t.keyId}`, { day, key_id: t.keyId, gen: 1 });
  }
  const rows = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('rollup_dirty')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['day', 'key_id']).doUpdateSet({ gen: sql<number>`rollup_dirty.gen + 1` }))
      .execute();
  }
}

/**
 * Recomputes the dirty buckets whose day is in [fromDay, toDay) from the base tables. Each bucket
 * is one transaction: its dirty row is locked (PostgreSQL: two engines never rebuild one bucket
 * at once; a writer marking it waits), the cells are replaced, and the dirty row is removed only
 * if no writer marked it again meanwhile (same `gen`). Returns how many buckets were rebuilt.
 */
export async function refreshDirty(db: Kysely<HistoryDatabase>, dialect: SqlDialect, fromDay: string, toDay: string, keyId?: string): Promise<number> {
  let query = db.selectFrom('rollup_dirty').select(['day', 'key_id']).where('day', '>=', fromDay).where('day', '<', toDay);
  if (keyId !== undefined) query = query.where('key_id', '=', keyId);
  const dirty = await query.orderBy('day').orderBy('key_id').execute();
  let rebuilt = 0;
  for (const { day, key_id: key } of dirty) {
    await db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom('rollup_dirty').select('gen').where('day', '=', day).where('key_id', '=', key);
      if (dialect === 'postgres') lock = lock.forUpdate();
      const mark = await lock.executeTakeFirst();
      if (!mark) return; // another engine rebuilt it
      const start = Date.parse(`${day}T00:00:00Z`);
      const cells = await cellsFromBase(trx, day, start, start + DAY, key);
      await trx.deleteFrom('conversion_rollup').where('day', '=', day).where('key_id', '=', key).execute();
      const rows = cells.map(cellToDb);
      for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('conversion_rollup').values(rows.slice(i, i + CHUNK)).execute();
      await trx.deleteFrom('rollup_dirty').where('day', '=', day).where('key_id', '=', key).where('gen', '=', mark.gen).execute();
      rebuilt++;
    });
  }
  return rebuilt;
}

/** A report group summed by the database over roll-up rows; `hists` is their histograms joined with `,`. */
export interface RolledGroup {
  values: string[];
  started: number;
  delivered: number;
  verified: number;
  costMicros: number;
  currency: string | null;
  hists: string;
}

const COLUMN = { country: 'country', channel: 'channel', key: 'key_id', trunk: 'trunk', day: 'day' } as const;

/**
 * The roll-up rows of the days in [fromDay, toDay) (refreshed first by the caller), summed per
 * group by the database: a few hundred rows reach JS instead of every cell, and the histograms
 * come as one string per group (merged by {@link addHist}).
 */
export async function readGroups(db: Kysely<HistoryDatabase>, dialect: SqlDialect, groupBy: ReadonlyArray<keyof typeof COLUMN>, fromDay: string, toDay: string, keyId?: string): Promise<RolledGroup[]> {
  const cols = groupBy.map((by) => sql.ref(`r.${COLUMN[by]}`));
  const keyFilter = keyId === undefined ? sql`` : sql` and r.key_id = ${keyId}`;
  const joined = dialect === 'sqlite' ? sql`group_concat(r.ttv_hist, ',')` : sql`string_agg(r.ttv_hist, ',')`;
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join(cols.map((c, i) => sql`${c} as ${sql.ref(`g${i}`)}`))}, sum(r.started) as started, sum(r.delivered) as delivered,
           sum(r.verified) as verified, sum(r.cost_micros) as cost, max(r.currency) as currency, ${joined} as hists
    from conversion_rollup r
    where r.day >= ${fromDay} and r.day < ${toDay}${keyFilter}
    group by ${sql.join(cols)}`.execute(db);
  return rows.map((r) => ({
    values: groupBy.map((_, i) => String(r[`g${i}`])),
    started: Number(r['started']),
    delivered: Number(r['delivered'] ?? 0),
    verified: Number(r['verified'] ?? 0),
    costMicros: Number(r['cost'] ?? 0),
    currency: (r['currency'] as string | null) ?? null,
    hists: String(r['hists'] ?? ''),
  }));
}

/** Histogram slots: bucket b is slot b + 1 (b ≥ −1); 1,100 slots hold any 64-bit time. */
export const HIST_SLOTS = 1100;

/** Adds `bucket:count,…` text (several histograms joined with `,`) into a dense histogram. */
export function addHist(into: Float64Array, text: string): void {
  let i = 0;
  while (i < text.length) {
    let end = text.indexOf(',', i);
    if (end < 0) end = text.length;
    if (end > i) {
      const colon = text.indexOf(':', i);
      const slot = Number(text.slice(i, colon)) + 1;
      if (slot >= 0 && slot < HIST_SLOTS) into[slot] = (into[slot] as number) + Number(text.slice(colon + 1, end));
    }
    i = end + 1;
  }
}

/** The median of a dense histogram (slots as {@link addHist} fills them); see {@link histMedian}. */
export function denseMedian(hist: Float64Array): number | null {
  const sparse = new Map<number, number>();
  hist.forEach((n, slot) => n > 0 && sparse.set(slot - 1, n));
  return histMedian(sparse);
}

function cellToDb(c: RollupCell): RollupTable {
  return {
    day: c.day,
    key_id: c.keyId,
    country: c.country,
    channel: c.channel,
    trunk: c.trunk,
    started: c.started,
    delivered: c.delivered,
    verified: c.verified,
    cost_micros: c.costMicros,
    currency: c.currency,
    ttv_hist: encodeHist(c.hist),
  };
}

