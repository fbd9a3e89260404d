import { openPostgresHistory } from '../../src/history/postgres/open-postgres';
import type { HistoryEvent } from '../../src/history/port';
import type { SqlHistory } from '../../src/history/sql/sql-history';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';
import { attemptRow, verificationRow, vid, webhookRow } from '../support/history-rows';

/**
 * Several engines share one PostgreSQL (issue 13): two writers, each with its own pool, write
 * overlapping batches at the same time (the same verifications, in different orders, versions
 * out of order, each batch twice, as outbox catch-up and a second engine's replay do). Nothing
 * fails (no deadlock, no unique violation), every row ends at its newest version, and the
 * roll-up report counts each verification once.
 */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 3, 9);
const COUNT = 120;

function eventsFor(i: number, v: number): HistoryEvent[] {
  const id = vid(i + 1);
  const final = v === 3;
  const approved = final && i % 3 !== 0;
  return [
    {
      kind: 'verification',
      row: verificationRow({
        id,
        v,
        createdAt: T0 + i * 1000,
        updatedAt: T0 + i * 1000 + v,
        status: final ? (approved ? 'approved' : 'expired') : 'pending',
        endedAt: final ? T0 + i * 1000 + 20_000 : null,
        delivered: v >= 2,
        country: i % 2 === 0 ? 'GB' : 'DE',
      }),
    },
    { kind: 'attempt', row: attemptRow({ verificationId: id, v, createdAt: T0 + i * 1000, status: v >= 2 ? 'completed' : 'running', costMicros: v >= 2 ? 10_000 : null }) },
    ...(v >= 2 ? [{ kind: 'webhook', row: webhookRow({ verificationId: id }) } as HistoryEvent] : []),
  ];
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('two engines writing one PostgreSQL at once', () => {
  let server: PostgresServer;
  let a: SqlHistory;
  let b: SqlHistory;

  beforeAll(async () => {
    server = await startPostgresServer();
    a = openPostgresHistory({ url: server.url });
    b = openPostgresHistory({ url: server.url });
    await Promise.all([a.migrate(), b.migrate()]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  it('writes overlapping batches concurrently without conflicts, newest versions kept, counted once', async () => {
    const all = Array.from({ length: COUNT }, (_, i) => i);
    const batches: HistoryEvent[][] = [];
    for (const v of [2, 1, 3, 2, 3, 1]) {
      // batches of 40 verifications, each batch in its own order, overlapping the others
      for (let start = 0; start < COUNT; start += 30) batches.push(shuffled(all.slice(start, start + 40), v * 7 + start).flatMap((i) => eventsFor(i, v)));
    }
    const writes = batches.map((batch, n) => (n % 2 === 0 ? a : b).write(batch));
    // and the same batches once more through the other writer, all at once
    writes.push(...batches.map((batch, n) => (n % 2 === 0 ? b : a).write(shuffled(batch, n))));
    const results = await Promise.allSettled(writes);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const page = await a.listVerifications({}, 500);
    expect(page.items).toHaveLength(COUNT);
    expect(new Set(page.items.map((v) => v.v))).toEqual(new Set([3]));
    const one = await b.getVerification(vid(2));
    expect(one?.attempts).toHaveLength(1);
    expect(one?.attempts[0]?.v).toBe(3);

    const day = T0 - (T0 % DAY);
    const byCountry = await b.conversion('country', { from: day, to: day + DAY });
    const approved = all.filter((i) => i % 3 !== 0);
    expect(byCountry.map((r) => [r.group, r.started, r.delivered, r.verified, r.costMicros])).toEqual([
      ['DE', COUNT / 2, COUNT / 2, approved.filter((i) => i % 2 === 1).length, (COUNT / 2) * 10_000],
      ['GB', COUNT / 2, COUNT / 2, approved.filter((i) => i % 2 === 0).length, (COUNT / 2) * 10_000],
    ]);
  }, 60_000);
});
