/**
 * The History port contract: run against SQLite (a temp file) and a real PostgreSQL server.
 */
import type { SqlHistory } from '../../src/history/sql/sql-history';
import type { Kysely } from 'kysely';
import type { AttemptRow, HistoryEvent } from '../../src/history/port';
import { verificationToDb } from '../../src/history/sql/mapping';
import type { HistoryDatabase } from '../../src/history/sql/schema';
import { consoleStoreCases } from './history-console';
import { rollupCases } from './history-rollup';
import { searchCases } from './history-search';
import { attemptRow, verificationRow, vid, webhookRow } from '../support/history-rows';

export interface HistoryHarness {
  /** A new, empty, not yet migrated database. */
  open(): Promise<SqlHistory>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 12);

export function historyContract(name: string, makeHarness: () => Promise<HistoryHarness>): void {
  describe(`History contract: ${name}`, () => {
    let harness: HistoryHarness;
    let history: SqlHistory;

    beforeAll(async () => {
      harness = await makeHarness();
    }, 60_000);
    afterAll(async () => harness?.close());

    beforeEach(async () => {
      history = await harness.open();
      await history.migrate();
    });
    afterEach(async () => history.close());

    it('migrates an empty database once; a second run applies nothing', async () => {
      const fresh = await harness.open();
      try {
        const first = await fresh.migrate();
        expect(first.applied).toEqual(['001_verifications_attempts_webhooks', '002_cost', '003_amd', '004_attempt_detail', '005_console', '006_rollup', '007_routing_overrides']);
        expect((await fresh.migrate()).applied).toEqual([]);
        expect(await fresh.appliedMigrations()).toEqual(first.applied);
      } finally {
        await fresh.close();
      }
    });

    it('migrates from the previous version and keeps its rows', async () => {
      const old = await harness.open();
      try {
        await old.migrate('001_verifications_attempts_webhooks');
        expect(await old.appliedMigrations()).toEqual(['001_verifications_attempts_webhooks']);
        // The first version wrote this row (without the cost columns and the roll-up's dirty
        // marks): straight into its table, as today's writer marks the roll-up too.
        await (old as unknown as { db: Kysely<HistoryDatabase> }).db.insertInto('verifications').values(verificationToDb(verificationRow({ status: 'approved' }))).execute();
        expect((await old.migrate()).applied).toEqual(['002_cost', '003_amd', '004_attempt_detail', '005_console', '006_rollup', '007_routing_overrides']);
        // 006 marked the days already stored, so the roll-up report counts the old row
        const day = verificationRow().createdAt;
        expect((await old.conversion('country', { from: day - (day % DAY), to: day - (day % DAY) + DAY })).map((r) => [r.group, r.started, r.verified])).toEqual([['GB', 1, 1]]);
        await old.write([{ kind: 'attempt', row: attemptRow({ costMicros: null, currency: null }) }]);
        const got = await old.getVerification(verificationRow().id);
        expect(got?.verification.id).toBe(verificationRow().id);
        expect(got?.attempts).toHaveLength(1);
        expect(got?.costMicros).toBeNull();
      } finally {
        await old.close();
      }
    });

    it('stores a verification with its attempts and webhook deliveries, read back as written', async () => {
      const v = verificationRow({ v: 5, status: 'approved', reason: 'code-matched', endedBy: 'api', endedAt: T0 + 30_000, checks: 1, delivered: true });
      const a1 = attemptRow({ n: 1, v: 4, outcome: 'busy', result: 'not-answered', answeredAt: null, billsec: 0, sipStatus: 486, q850: 17, causeText: 'User busy', costMicros: 0, failover: [{ trunk: 'carrier-b', outcome: 'congestion', sip: 503, q850: 34, text: 'Service Unavailable' }] });
      const a2 = attemptRow({ n: 2, v: 5, channel: 'sms', outcome: null, node: null, trunk: null, callerId: null, ringingAt: null, answeredAt: null, billsec: null, sipStatus: null, q850: null, causeText: null, smsParts: 2, smsStatus: 'accepted', smsGateway: 'smsc', smsEncoding: 'ucs2', costMicros: 50_000 });
      await history.write([{ kind: 'verification', row: v }, { kind: 'attempt', row: a1 }, { kind: 'attempt', row: a2 }, { kind: 'webhook', row: webhookRow() }]);
      const got = await history.getVerification(v.id, 'shop');
      expect(got?.verification).toEqual(v);
      expect(got?.attempts).toEqual([a1, a2]);
      expect(got?.webhooks).toEqual([webhookRow()]);
      expect(got?.costMicros).toBe(50_000);
      expect(got?.currency).toBe('EUR');
      expect(await history.getVerification(v.id, 'other-key')).toBeUndefined();
    });

    it('writes idempotently: a batch delivered twice is stored once, an older version never replaces a newer one', async () => {
      const newer = verificationRow({ v: 7, status: 'approved', checks: 2 });
      const older = verificationRow({ v: 3, status: 'pending' });
      const batch: HistoryEvent[] = [
        { kind: 'verification', row: newer },
        { kind: 'attempt', row: attemptRow({ v: 7, result: 'delivered' }) },
        { kind: 'webhook', row: webhookRow() },
      ];
      await history.write(batch);
      await history.write(batch);
      await history.write([{ kind: 'verification', row: older }, { kind: 'attempt', row: attemptRow({ v: 2, status: 'running', result: null }) }]);
      const page = await history.listVerifications({}, 10);
      expect(page.items).toEqual([newer]);
      const got = await history.getVerification(newer.id);
      expect(got?.attempts).toHaveLength(1);
      expect(got?.attempts[0]?.result).toBe('delivered');
    });

    it('keeps the newest version when one batch carries several of the same row', async () => {
      await history.write([
        { kind: 'verification', row: verificationRow({ v: 2, status: 'pending' }) },
        { kind: 'verification', row: verificationRow({ v: 4, status: 'expired' }) },
        { kind: 'verification', row: verificationRow({ v: 3, status: 'pending' }) },
      ]);
      expect((await history.getVerification(verificationRow().id))?.verification.status).toBe('expired');
    });

    it('lists newest first with filters and a cursor that walks every row once', async () => {
      const rows = Array.from({ length: 25 }, (_, i) =>
        verificationRow({ id: vid(i + 1), createdAt: T0 + Math.floor(i / 2) * 1000, country: i % 3 === 0 ? 'DE' : 'GB', status: i % 2 ? 'approved' : 'expired', channel: i % 5 === 0 ? 'sms' : 'call', number: `n${i % 4}`, keyId: i === 24 ? 'other' : 'shop' }),
      );
      await history.write(rows.map((row) => ({ kind: 'verification', row }) as const));
      const seen: string[] = [];
      let cursor: { createdAt: number; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await history.listVerifications({ keyId: 'shop' }, 7, cursor);
        seen.push(...result.items.map((r) => r.id));
        cursor = result.next;
        if (!cursor) break;
      }
      const expected = rows.filter((r) => r.keyId === 'shop').sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((r) => r.id);
      expect(seen).toEqual(expected);
      const filtered = await history.listVerifications({ keyId: 'shop', country: 'DE', status: 'expired', from: T0 + 2000, to: T0 + 10_000 }, 50);
      const want = rows.filter((r) => r.keyId === 'shop' && r.country === 'DE' && r.status === 'expired' && r.createdAt >= T0 + 2000 && r.createdAt < T0 + 10_000);
      expect(filtered.items.map((r) => r.id).sort()).toEqual(want.map((r) => r.id).sort());
      expect(want.length).toBeGreaterThan(0);
      expect((await history.listVerifications({ number: 'n1', channel: 'call' }, 50)).items.every((r) => r.number === 'n1' && r.channel === 'call')).toBe(true);
    });

    it('reports conversion by country, channel, key, trunk and day with cost and median time to verify', async () => {
      const events: HistoryEvent[] = [];
      const add = (i: number, over: { country: string; status: string; delivered: boolean; ttv?: number; day?: number; trunk?: string; cost?: number; channel?: string }): void => {
        const createdAt = T0 + (over.day ?? 0) * DAY + i;
        events.push({
          kind: 'verification',
          row: verificationRow({ id: vid(i), createdAt, country: over.country, status: over.status, delivered: over.delivered, channel: over.channel ?? 'call', endedAt: over.ttv === undefined ? null : createdAt + over.ttv }),
        });
        events.push({ kind: 'attempt', row: attemptRow({ verificationId: vid(i), createdAt, trunk: over.trunk ?? 'a', costMicros: over.cost ?? 1000 }) });
      };
      add(1, { country: 'GB', status: 'approved', delivered: true, ttv: 10_000 });
      add(2, { country: 'GB', status: 'approved', delivered: true, ttv: 30_000, day: 1 });
      add(3, { country: 'GB', status: 'approved', delivered: true, ttv: 20_000, trunk: 'b' });
      add(4, { country: 'GB', status: 'expired', delivered: false, cost: 0 });
      add(5, { country: 'DE', status: 'approved', delivered: true, ttv: 5_000, channel: 'sms' });
      add(6, { country: 'DE', status: 'failed', delivered: true, ttv: 1_000, trunk: 'b', channel: 'sms' });
      await history.write(events);
      const range = { from: T0, to: T0 + 2 * DAY };
      const byCountry = await history.conversion('country', range);
      // medians come from a log-scale histogram: within 2.2 % of the exact value (docs/history.md)
      const near = (got: number | null, exact: number): void => expect(Math.abs((got ?? -1e9) - exact)).toBeLessThanOrEqual(exact * 0.022);
      expect(byCountry.map((r) => ({ ...r, medianTimeToVerifyMs: undefined }))).toEqual([
        { group: 'DE', groups: ['DE'], started: 2, delivered: 2, verified: 1, costMicros: 2000, currency: 'EUR' },
        { group: 'GB', groups: ['GB'], started: 4, delivered: 3, verified: 3, costMicros: 3000, currency: 'EUR' },
      ]);
      near(byCountry[0]?.medianTimeToVerifyMs ?? null, 5_000);
      near(byCountry[1]?.medianTimeToVerifyMs ?? null, 20_000);
      const byDay = await history.conversion('day', range);
      expect(byDay.map((r) => [r.group, r.started, r.verified])).toEqual([['2026-11-01', 5, 3], ['2026-11-02', 1, 1]]);
      const byTrunk = await history.conversion('trunk', range);
      expect(byTrunk.map((r) => [r.group, r.started, r.verified])).toEqual([['a', 4, 3], ['b', 2, 1]]);
      near(byTrunk[0]?.medianTimeToVerifyMs ?? null, 10_000);
      near(byTrunk[1]?.medianTimeToVerifyMs ?? null, 20_000);
      expect((await history.conversion(['country', 'day'], range)).map((r) => [r.group, r.groups, r.started])).toEqual([
        ['DE,2026-11-01', ['DE', '2026-11-01'], 2],
        ['GB,2026-11-01', ['GB', '2026-11-01'], 3],
        ['GB,2026-11-02', ['GB', '2026-11-02'], 1],
      ]);
      expect((await history.conversion('channel', range)).map((r) => [r.group, r.started])).toEqual([['call', 4], ['sms', 2]]);
      expect((await history.conversion('key', { ...range, keyId: 'nobody' }))).toEqual([]);
      expect((await history.conversion('country', { from: T0 + DAY, to: T0 + 2 * DAY })).map((r) => [r.group, r.started])).toEqual([['GB', 1]]);
    });

    it('streams attempts of a range in order, page by page', async () => {
      const events: HistoryEvent[] = [];
      for (let i = 1; i <= 23; i++) {
        const createdAt = T0 + (i % 5) * 1000;
        for (let n = 1; n <= 2; n++) events.push({ kind: 'attempt', row: attemptRow({ verificationId: vid(i), n, createdAt }) });
      }
      await history.write(events);
      const got: AttemptRow[] = [];
      for await (const row of history.attempts({ from: T0 + 1000, to: T0 + 4000 }, 4)) got.push(row);
      const want = events
        .map((e) => e.row as AttemptRow)
        .filter((r) => r.createdAt >= T0 + 1000 && r.createdAt < T0 + 4000)
        .sort((a, b) => a.createdAt - b.createdAt || (a.verificationId < b.verificationId ? -1 : a.verificationId > b.verificationId ? 1 : a.n - b.n));
      expect(got.map((r) => `${r.verificationId}/${r.n}`)).toEqual(want.map((r) => `${r.verificationId}/${r.n}`));
      expect(got.length).toBeGreaterThan(8);
    });

    it('purges verifications older than the retention in small batches, with their attempts and webhook rows', async () => {
      const events: HistoryEvent[] = [];
      for (let i = 1; i <= 12; i++) {
        const createdAt = i <= 9 ? T0 - 40 * DAY : T0;
        events.push({ kind: 'verification', row: verificationRow({ id: vid(i), createdAt }) });
        events.push({ kind: 'attempt', row: attemptRow({ verificationId: vid(i), createdAt }) });
        events.push({ kind: 'webhook', row: webhookRow({ webhookId: `m${i}`, verificationId: vid(i), at: createdAt }) });
      }
      events.push({ kind: 'attempt', row: attemptRow({ verificationId: vid(99), createdAt: T0 - 40 * DAY }) });
      await history.write(events);
      const before = T0 - 30 * DAY;
      expect(await history.purge(before, 4)).toBe(4);
      expect(await history.purge(before, 4)).toBe(4);
      expect(await history.purge(before, 4)).toBe(1);
      expect(await history.purge(before, 4)).toBe(1); // the orphan attempt
      expect(await history.purge(before, 4)).toBe(0);
      const left = await history.listVerifications({}, 50);
      expect(left.items.map((r) => r.id).sort()).toEqual([vid(10), vid(11), vid(12)]);
      expect(await history.getVerification(vid(1))).toBeUndefined();
      expect((await history.getVerification(vid(10)))?.attempts).toHaveLength(1);
    });

    it('replaces a trunk rate deck as a whole', async () => {
      const rate = { trunk: 'a', prefix: '44', ratePerMinMicros: 10_000, firstIncrement: 60, nextIncrement: 60, connectionFeeMicros: 0, smsPriceMicros: 40_000, currency: 'EUR', validFrom: 0 };
      await history.replaceRates('a', [rate, { ...rate, prefix: '447' }]);
      await history.replaceRates('b', [{ ...rate, trunk: 'b' }]);
      await history.replaceRates('a', [{ ...rate, prefix: '49' }]);
      expect((await history.rates()).map((r) => `${r.trunk}:${r.prefix}`)).toEqual(['a:49', 'b:44']);
      await expect(history.replaceRates('a', [{ ...rate, prefix: '33' }, { ...rate, prefix: '33' }])).rejects.toThrow();
      expect((await history.rates()).map((r) => `${r.trunk}:${r.prefix}`)).toEqual(['a:49', 'b:44']);
    });

    it('batches of the same shape each store their own values (the upsert SQL compiled once is reused), older versions never win', async () => {
      const ids = Array.from({ length: 3 }, (_, i) => vid(900 + i));
      const batch = (v: number, status: 'pending' | 'approved', billsec: number): HistoryEvent[] =>
        ids.flatMap((id) => [
          { kind: 'verification' as const, row: verificationRow({ id, v, status, checks: v }) },
          { kind: 'attempt' as const, row: attemptRow({ verificationId: id, v, billsec, causeText: `v${v}` }) },
        ]);
      await history.write(batch(1, 'pending', 1));
      await history.write(batch(3, 'approved', 3));
      await history.write(batch(2, 'pending', 2)); // same shape, older: left alone
      for (const id of ids) {
        const got = await history.getVerification(id);
        expect([got?.verification.v, got?.verification.status, got?.verification.checks]).toEqual([3, 'approved', 3]);
        expect(got?.attempts.map((x) => [x.v, x.billsec, x.causeText])).toEqual([[3, 3, 'v3']]);
      }
      // another row count is another shape: its own SQL, its own values
      await history.write([{ kind: 'attempt', row: attemptRow({ verificationId: vid(900), n: 2, v: 4, costMicros: 7 }) }, { kind: 'attempt', row: attemptRow({ verificationId: vid(900), n: 3, v: 4, costMicros: null }) }]);
      expect((await history.getVerification(vid(900)))?.attempts.map((x) => [x.n, x.costMicros])).toEqual([[1, 12_000], [2, 7], [3, null]]);
    });

    it('answers ping', async () => {
      expect(await history.ping()).toBe(true);
    });

    consoleStoreCases(() => history);
    rollupCases(() => history);
    searchCases(() => history);
  });
}
