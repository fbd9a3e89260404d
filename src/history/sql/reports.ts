import type { Kysely } from 'kysely';
import type { ConversionRow, GroupBy, ReportRange } from '../port';
import { cellsFromBase, dayOf, dayStart, histMedian, readCells, refreshDirty, type RollupCell, type SqlDialect } from './rollup';
import type { HistoryDatabase } from './schema';

export type { SqlDialect } from './rollup';

const DAY = 86_400_000;

function valueOf(cell: RollupCell, by: GroupBy): string {
  switch (by) {
    case 'country':
      return cell.country;
    case 'channel':
      return cell.channel;
    case 'key':
      return cell.keyId;
    case 'trunk':
      return cell.trunk;
    case 'day':
      return cell.day;
  }
}

/**
 * The cells of a range: whole UTC days from the roll-up (its dirty buckets rebuilt first), the
 * partial days at either end computed from the base tables (at most one day each).
 */
async function cellsOf(db: Kysely<HistoryDatabase>, dialect: SqlDialect, range: ReportRange): Promise<RollupCell[]> {
  const { from, to, keyId } = range;
  if (to <= from) return [];
  const firstWhole = Math.ceil(from / DAY) * DAY;
  const lastWhole = dayStart(to);
  const cells: RollupCell[] = [];
  if (firstWhole >= lastWhole) {
    // no whole day inside: one or two partial days
    for (let start = from; start < to; start = dayStart(start) + DAY) cells.push(...(await cellsFromBase(db, dayOf(start), start, Math.min(to, dayStart(start) + DAY), keyId)));
    return cells;
  }
  await refreshDirty(db, dialect, dayOf(firstWhole), dayOf(lastWhole), keyId);
  cells.push(...(await readCells(db, dayOf(firstWhole), dayOf(lastWhole), keyId)));
  if (from < firstWhole) cells.push(...(await cellsFromBase(db, dayOf(from), from, firstWhole, keyId)));
  if (lastWhole < to) cells.push(...(await cellsFromBase(db, dayOf(lastWhole), lastWhole, to, keyId)));
  return cells;
}

/**
 * Conversion by one or more dimensions for verifications created in the range: started,
 * delivered (answered or SMS accepted), verified, cost, and the median time to verify read from
 * the merged time-to-verify histograms (within ±2.2 % of the exact median; rollup.ts).
 */
export async function conversionReport(db: Kysely<HistoryDatabase>, dialect: SqlDialect, groupBy: readonly GroupBy[], range: ReportRange): Promise<ConversionRow[]> {
  const groups = new Map<string, { values: string[]; row: ConversionRow; hist: Map<number, number> }>();
  for (const cell of await cellsOf(db, dialect, range)) {
    const values = groupBy.map((by) => valueOf(cell, by));
    const id = values.join('\u0000');
    let g = groups.get(id);
    if (!g) {
      g = { values, hist: new Map(), row: { group: values.join(','), groups: values, started: 0, delivered: 0, verified: 0, medianTimeToVerifyMs: null, costMicros: 0, currency: null } };
      groups.set(id, g);
    }
    const row = g.row;
    row.started += cell.started;
    row.delivered += cell.delivered;
    row.verified += cell.verified;
    row.costMicros += cell.costMicros;
    if (cell.currency !== null && (row.currency === null || cell.currency > row.currency)) row.currency = cell.currency;
    for (const [bucket, n] of cell.hist) g.hist.set(bucket, (g.hist.get(bucket) ?? 0) + n);
  }
  const out = [...groups.values()].sort((a, b) => compare(a.values, b.values));
  for (const g of out) g.row.medianTimeToVerifyMs = histMedian(g.hist);
  return out.map((g) => g.row);
}

function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
