import type { Kysely } from 'kysely';
import type { ConversionRow, GroupBy, ReportRange } from '../port';
import { addHist, cellsFromBase, dayOf, dayStart, denseMedian, encodeHist, HIST_SLOTS, readGroups, refreshDirty, type RolledGroup, type RollupCell, type SqlDialect } from './rollup';
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

/** Cells computed from the base tables, summed into the report's groups. */
function groupCells(cells: readonly RollupCell[], groupBy: readonly GroupBy[]): RolledGroup[] {
  return cells.map((cell) => ({ ...cell, values: groupBy.map((by) => valueOf(cell, by)), hists: encodeHist(cell.hist) }));
}

/**
 * The groups of a range: whole UTC days from the roll-up (its dirty buckets rebuilt first, summed
 * by the database), the partial days at either end computed from the base tables (at most one
 * day each).
 */
async function groupsOf(db: Kysely<HistoryDatabase>, dialect: SqlDialect, groupBy: readonly GroupBy[], range: ReportRange): Promise<RolledGroup[]> {
  const { from, to, keyId } = range;
  if (to <= from) return [];
  const firstWhole = Math.ceil(from / DAY) * DAY;
  const lastWhole = dayStart(to);
  const cells: RollupCell[] = [];
  if (firstWhole >= lastWhole) {
    // no whole day inside: one or two partial days
    for (let start = from; start < to; start = dayStart(start) + DAY) cells.push(...(await cellsFromBase(db, dayOf(start), start, Math.min(to, dayStart(start) + DAY), keyId)));
    return groupCells(cells, groupBy);
  }
  await refreshDirty(db, dialect, dayOf(firstWhole), dayOf(lastWhole), keyId);
  const rolled = await readGroups(db, dialect, groupBy, dayOf(firstWhole), dayOf(lastWhole), keyId);
  if (from < firstWhole) cells.push(...(await cellsFromBase(db, dayOf(from), from, firstWhole, keyId)));
  if (lastWhole < to) cells.push(...(await cellsFromBase(db, dayOf(lastWhole), lastWhole, to, keyId)));
  return [...rolled, ...groupCells(cells, groupBy)];
}

/**
 * Conversion by one or more dimensions for verifications created in the range: started,
 * delivered (answered or SMS accepted), verified, cost, and the median time to verify read from
 * the merged time-to-verify histograms (within ±2.2 % of the exact median; rollup.ts).
 */
export async function conversionReport(db: Kysely<HistoryDatabase>, dialect: SqlDialect, groupBy: readonly GroupBy[], range: ReportRange): Promise<ConversionRow[]> {
  const groups = new Map<string, { values: string[]; row: ConversionRow; hist: Float64Array }>();
  for (const part of await groupsOf(db, dialect, groupBy, range)) {
    const id = part.values.join('\u0000');
    let g = groups.get(id);
    if (!g) {
      g = { values: part.values, hist: new Float64Array(HIST_SLOTS), row: { group: part.values.join(','), groups: part.values, started: 0, delivered: 0, verified: 0, medianTimeToVerifyMs: null, costMicros: 0, currency: null } };
      groups.set(id, g);
    }
    const row = g.row;
    row.started += part.started;
    row.delivered += part.delivered;
    row.verified += part.verified;
    row.costMicros += part.costMicros;
    if (part.currency !== null && (row.currency === null || part.currency > row.currency)) row.currency = part.currency;
    addHist(g.hist, part.hists);
  }
  const out = [...groups.values()].sort((a, b) => compare(a.values, b.values));
  for (const g of out) g.row.medianTimeToVerifyMs = denseMedian(g.hist);
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
