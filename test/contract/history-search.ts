/**
 * The verification search's part of the History contract: every filter combination the console's
 * Verifications page offers (range; number; status; number and status) is answered from an index
 * in newest-first order, on SQLite (without statistics, as the engine runs it) and PostgreSQL
 * (with them, as autovacuum keeps them).
 */
import { sql, type Kysely } from 'kysely';
import type { HistoryEvent, VerificationFilter } from '../../src/history/port';
import type { HistoryDatabase } from '../../src/history/sql/schema';
import type { SqlHistory } from '../../src/history/sql/sql-history';
import { prng, syntheticVerification } from '../../scripts/history-generate';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 9, 1);

export function searchCases(current: () => SqlHistory): void {
  describe('verification search plans', () => {
    it('answers each console filter from an index, newest first, without reading the whole table', async () => {
      const history = current();
      const rnd = prng(17);
      const events: HistoryEvent[] = [];
      for (let i = 0; i < 4000; i++) events.push(...syntheticVerification(rnd, D0 + Math.floor((i / 4000) * 30 * DAY)));
      for (let i = 0; i < events.length; i += 2000) await history.write(events.slice(i, i + 2000));
      // PostgreSQL has statistics once autovacuum ran; SQLite has none unless ANALYZE ran, which
      // the engine never does: its plans are checked as they come without
      if (history.kind === 'postgres') await sql`analyze`.execute((history as unknown as { db: Kysely<HistoryDatabase> }).db);
      const range = { from: D0 + 10 * DAY, to: D0 + 20 * DAY };
      const number = events.find((e) => e.kind === 'verification' && e.row.createdAt >= range.from + DAY)?.row as { number: string };
      const filters: Array<[string, VerificationFilter, RegExp]> = [
        ['range', range, /verifications_created|verifications_status_created/],
        ['number', { ...range, number: number.number }, /verifications_number/],
        ['rare status', { ...range, status: 'canceled' }, /verifications_status_created/],
        ['number and status', { ...range, number: number.number, status: 'approved' }, /verifications_number/],
      ];
      for (const [name, filter, index] of filters) {
        const plan = await history.explainSearch(filter, 25);
        expect([name, plan]).toEqual([name, expect.stringMatching(index)]);
        // no full read of the table
        expect([name, plan]).not.toEqual([name, expect.stringMatching(/Seq Scan on verifications|^SCAN verifications$/m)]);
      }
    });
  });
}
