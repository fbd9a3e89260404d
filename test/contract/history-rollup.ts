/**
 * The conversion roll-up's part of the History contract, run against SQLite and PostgreSQL by
 * test/contract/history.ts: the report read from the roll-up equals the exact report computed
 * here from the events themselves (only the median is approximate, within the documented
 * ±2.2 %), replays and purges keep it so, and concurrent rebuilds do not collide.
 */
import type { ConversionRow, GroupBy, HistoryEvent, ReportRange, VerificationRow } from '../../src/history/port';
import type { SqlHistory } from '../../src/history/sql/sql-history';
import { prng, syntheticVerification } from '../../scripts/history-generate';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 9, 10);
/** Median resolution: half a bucket (2^(1/32) − 1 ≈ 2.19 %), plus 1 ms of rounding. */
const MEDIAN_TOLERANCE = 2 ** (1 / 32) - 1;

/** `count` synthetic verifications spread over `days` days from D0 (the generator's own data). */
function generated(count: number, days: number, seed = 7): HistoryEvent[] {
  const rnd = prng(seed);
  const events: HistoryEvent[] = [];
  for (let i = 0; i < count; i++) events.push(...syntheticVerification(rnd, D0 + Math.floor((i / count) * days * DAY) + Math.floor(rnd() * 1000)));
  return events;
}

/** The exact report, computed from the newest version of each row (what the tables hold). */
function exactReport(events: readonly HistoryEvent[], groupBy: readonly GroupBy[], range: ReportRange): ConversionRow[] {
  const verifications = new Map<string, VerificationRow>();
  type Attempt = { trunk: string | null; cost: number | null; currency: string | null; createdAt: number; v: number };
  const attempts = new Map<string, Map<number, Attempt>>();
  for (const e of events) {
    if (e.kind === 'verification' && (verifications.get(e.row.id)?.v ?? -1) <= e.row.v) verifications.set(e.row.id, e.row);
    if (e.kind === 'attempt') {
      const of = attempts.get(e.row.verificationId) ?? new Map<number, Attempt>();
      attempts.set(e.row.verificationId, of);
      if ((of.get(e.row.n)?.v ?? -1) <= e.row.v) of.set(e.row.n, { trunk: e.row.trunk, cost: e.row.costMicros, currency: e.row.currency, createdAt: e.row.createdAt, v: e.row.v });
    }
  }
  const groups = new Map<string, { row: ConversionRow; ttv: number[] }>();
  for (const v of verifications.values()) {
    if (v.createdAt < range.from || v.createdAt >= range.to || (range.keyId !== undefined && v.keyId !== range.keyId)) continue;
    const own = [...(attempts.get(v.id)?.values() ?? [])].filter((a) => a.createdAt >= range.from && a.createdAt < range.to);
    const trunks = own.map((a) => a.trunk).filter((t): t is string => t !== null).sort();
    const value = (by: GroupBy): string =>
      by === 'country' ? (v.country ?? '??') : by === 'channel' ? v.channel : by === 'key' ? v.keyId : by === 'trunk' ? (trunks[0] ?? '(none)') : new Date(v.createdAt).toISOString().slice(0, 10);
    const values = groupBy.map(value);
    const id = values.join(',');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { ttv: [], row: { group: id, groups: values, started: 0, delivered: 0, verified: 0, medianTimeToVerifyMs: null, costMicros: 0, currency: null } }));
    g.row.started++;
    if (v.delivered) g.row.delivered++;
    if (v.status === 'approved') g.row.verified++;
    if (v.status === 'approved' && v.endedAt !== null) g.ttv.push(v.endedAt - v.createdAt);
    for (const a of own) {
      g.row.costMicros += a.cost ?? 0;
      if (a.currency !== null && (g.row.currency === null || a.currency > g.row.currency)) g.row.currency = a.currency;
    }
  }
  const rows = [...groups.values()].sort((a, b) => (a.row.groups.join('\u0000') < b.row.groups.join('\u0000') ? -1 : 1));
  for (const g of rows) {
    const t = g.ttv.sort((a, b) => a - b);
    g.row.medianTimeToVerifyMs = t.length ? ((t[Math.floor((t.length - 1) / 2)] as number) + (t[Math.floor(t.length / 2)] as number)) / 2 : null;
  }
  return rows.map((g) => g.row);
}

/** Equal except the median, which must lie within the documented resolution of the exact one. */
function expectSameReport(got: ConversionRow[], want: ConversionRow[]): void {
  expect(got.map((r) => ({ ...r, medianTimeToVerifyMs: r.medianTimeToVerifyMs === null }))).toEqual(want.map((r) => ({ ...r, medianTimeToVerifyMs: r.medianTimeToVerifyMs === null })));
  got.forEach((row, i) => {
    const exact = want[i]?.medianTimeToVerifyMs;
    if (exact === null || exact === undefined) return;
    expect(Math.abs((row.medianTimeToVerifyMs as number) - exact)).toBeLessThanOrEqual(exact * MEDIAN_TOLERANCE + 1);
  });
}

const SHAPES: Array<readonly GroupBy[]> = [['country'], ['day'], ['channel'], ['trunk'], ['key'], ['country', 'day'], ['trunk', 'channel']];

export function rollupCases(current: () => SqlHistory): void {
  describe('conversion roll-up', () => {
    it('answers like the exact report on generated data, for whole days, partial days and two dimensions', async () => {
      const history = current();
      const events = generated(900, 4);
      for (let i = 0; i < events.length; i += 500) await history.write(events.slice(i, i + 500));
      const ranges: ReportRange[] = [
        { from: D0, to: D0 + 4 * DAY },
        { from: D0 + DAY / 3, to: D0 + 3 * DAY + DAY / 2 },
        { from: D0 + DAY + 3_600_000, to: D0 + DAY + 7_200_000 },
        { from: D0 + DAY / 2, to: D0 + DAY + DAY / 2 },
        { from: D0, to: D0 + 4 * DAY, keyId: 'acme' },
      ];
      for (const range of ranges) {
        for (const shape of SHAPES) {
          const want = exactReport(events, shape, range);
          expect(want.length).toBeGreaterThan(0);
          expectSameReport(await history.conversion(shape, range), want);
        }
      }
    });

    it('does not change when events are replayed, reordered or arrive with older versions; new rows show at once', async () => {
      const history = current();
      const events = generated(300, 3, 11);
      await history.write(events);
      const range = { from: D0, to: D0 + 3 * DAY };
      const first = await history.conversion(['country', 'day'], range);
      expectSameReport(first, exactReport(events, ['country', 'day'], range));
      // the outbox redelivers: the same batches again, reversed, and stale versions of some rows
      await history.write([...events].reverse());
      const stale = events.filter((e) => e.kind === 'verification').slice(0, 40).map((e) => (e.kind === 'verification' ? { ...e, row: { ...e.row, v: 0, status: 'pending', endedAt: null } } : e));
      await history.write(stale);
      expect(await history.conversion(['country', 'day'], range)).toEqual(first);
      // a verification arriving later in an already rolled-up day is counted by the next report
      const late = generated(1, 1, 99);
      await history.write(late);
      expectSameReport(await history.conversion(['country', 'day'], range), exactReport([...events, ...late], ['country', 'day'], range));
      // a newer version of a row already rolled up replaces it
      const first1 = events.find((e) => e.kind === 'verification' && e.row.status !== 'approved');
      if (first1?.kind !== 'verification') throw new Error('the generator made no unapproved verification');
      const newer: HistoryEvent = { kind: 'verification', row: { ...first1.row, v: first1.row.v + 10, status: 'approved', endedAt: first1.row.createdAt + 7_000 } };
      await history.write([newer]);
      expectSameReport(await history.conversion(['country', 'day'], range), exactReport([...events, ...late, newer], ['country', 'day'], range));
    });

    it('keeps the roll-up consistent with a retention purge', async () => {
      const history = current();
      const events = generated(400, 4, 5);
      await history.write(events);
      const range = { from: D0, to: D0 + 4 * DAY };
      expect((await history.conversion('day', range)).map((r) => r.group)).toHaveLength(4);
      const before = D0 + 2 * DAY + DAY / 2; // mid-day: that day is purged in part
      while ((await history.purge(before, 64)) > 0);
      const kept = events.filter((e) => e.kind === 'webhook' || e.row.createdAt >= before);
      for (const shape of [['day'], ['country', 'day']] as const) expectSameReport(await history.conversion(shape, range), exactReport(kept, shape, range));
    });

    it('rebuilds concurrently without conflicts (two reports at once over dirty days)', async () => {
      const history = current();
      const events = generated(300, 3, 3);
      await history.write(events);
      const range = { from: D0, to: D0 + 3 * DAY };
      const [a, b] = await Promise.all([history.conversion('country', range), history.conversion('country', range)]);
      expect(a).toEqual(b);
      expectSameReport(a, exactReport(events, ['country'], range));
    });
  });
}
