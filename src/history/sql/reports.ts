import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ConversionRow, GroupBy, ReportRange } from '../port';
import type { HistoryDatabase } from './schema';

export type SqlDialect = 'sqlite' | 'postgres';

interface ConversionDbRow {
  grp: string;
  started: number | string;
  delivered: number | string | null;
  verified: number | string | null;
  cost: number | string | null;
  currency: string | null;
}

/** UTC day (YYYY-MM-DD) of an epoch-ms column, in each dialect. */
function dayOf(dialect: SqlDialect, column: RawBuilder<unknown>): RawBuilder<string> {
  return dialect === 'sqlite'
    ? sql<string>`strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`
    : sql<string>`to_char(to_timestamp(${column} / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`;
}

function groupExpression(dialect: SqlDialect, groupBy: GroupBy): RawBuilder<string> {
  switch (groupBy) {
    case 'country':
      return sql<string>`coalesce(v.country, '??')`;
    case 'channel':
      return sql<string>`v.channel`;
    case 'key':
      return sql<string>`v.key_id`;
    case 'trunk':
      return sql<string>`coalesce(c.trunk, '(none)')`;
    case 'day':
      return dayOf(dialect, sql.ref('v.created_at'));
  }
}

/**
 * Conversion by group for verifications created in the range: started, delivered (answered or
 * SMS accepted), verified, cost, and the median time to verify (window functions: neither
 * dialect's median aggregate is shared, `row_number` is).
 */
export async function conversionReport(db: Kysely<HistoryDatabase>, dialect: SqlDialect, groupBy: GroupBy, range: ReportRange): Promise<ConversionRow[]> {
  const grp = groupExpression(dialect, groupBy);
  const keyFilter = range.keyId === undefined ? sql`` : sql` and v.key_id = ${range.keyId}`;
  const attemptKeyFilter = range.keyId === undefined ? sql`` : sql` and a.key_id = ${range.keyId}`;
  const base = sql`
    select ${grp} as grp, v.status as status, v.delivered as delivered, v.created_at as created_at, v.ended_at as ended_at,
           c.cost as cost, c.currency as currency
    from verifications v
    left join (
      select a.verification_id as verification_id, sum(a.cost_micros) as cost, max(a.currency) as currency, min(a.trunk) as trunk
      from attempts a
      where a.created_at >= ${range.from} and a.created_at < ${range.to}${attemptKeyFilter}
      group by a.verification_id
    ) c on c.verification_id = v.id
    where v.created_at >= ${range.from} and v.created_at < ${range.to}${keyFilter}`;
  const totals = await sql<ConversionDbRow>`
    with base as (${base})
    select grp, count(*) as started, sum(delivered) as delivered,
           sum(case when status = 'approved' then 1 else 0 end) as verified,
           sum(cost) as cost, max(currency) as currency
    from base group by grp order by grp`.execute(db);
  const medians = await sql<{ grp: string; median: number | string | null }>`
    with base as (${base}),
    ranked as (
      select grp, ended_at - created_at as ttv,
             row_number() over (partition by grp order by ended_at - created_at) as rn,
             count(*) over (partition by grp) as cnt
      from base where status = 'approved' and ended_at is not null
    )
    select grp, avg(ttv) as median from ranked where rn in ((cnt + 1) / 2, (cnt + 2) / 2) group by grp`.execute(db);
  const medianOf = new Map(medians.rows.map((m) => [m.grp, m.median === null ? null : Math.round(Number(m.median))]));
  return totals.rows.map((row) => ({
    group: row.grp,
    started: Number(row.started),
    delivered: Number(row.delivered ?? 0),
    verified: Number(row.verified ?? 0),
    medianTimeToVerifyMs: medianOf.get(row.grp) ?? null,
    costMicros: Number(row.cost ?? 0),
    currency: row.currency,
  }));
}
