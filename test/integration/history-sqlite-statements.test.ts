/**
 * The SQLite history keeps its write statements prepared (src/history/sqlite/statement-cache.ts):
 * a batch of a shape already written prepares no upsert again, and reads are never kept (a reader
 * may still be iterating when the same SQL comes again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { HistoryEvent } from '../../src/history/port';
import { SqlHistory } from '../../src/history/sql/sql-history';
import type { HistoryDatabase } from '../../src/history/sql/schema';
import { withStatementCache } from '../../src/history/sqlite/statement-cache';
import { attemptRow, verificationRow, vid } from '../support/history-rows';

describe('SQLite history statements', () => {
  let dir: string;
  let database: Database.Database;
  let prepared: string[];
  let db: Kysely<HistoryDatabase>;
  let history: SqlHistory;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-statements-'));
    database = new Database(join(dir, 'h.db'));
    prepared = [];
    const counted = { close: () => database.close(), prepare: (text: string) => (prepared.push(text), database.prepare(text)) };
    db = new Kysely<HistoryDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(counted) }) });
    history = new SqlHistory(db, 'sqlite');
    await history.migrate();
  });
  afterEach(async () => {
    await history.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const batch = (first: number, v: number): HistoryEvent[] =>
    Array.from({ length: 60 }, (_, i) => vid(first + i)).flatMap((id) => [
      { kind: 'verification' as const, row: verificationRow({ id, v }) },
      { kind: 'attempt' as const, row: attemptRow({ verificationId: id, v }) },
    ]);
  const upserts = (): number => prepared.filter((text) => /^insert into "(verifications|attempts)"/.test(text)).length;

  it('prepares each upsert shape once: a second batch of the same shape prepares none, and stores its rows', async () => {
    await history.write(batch(0, 1));
    // 60 rows: chunks of 50 and 10, for each table
    expect(upserts()).toBe(4);
    await history.write(batch(100, 1));
    await history.write(batch(0, 2));
    expect(upserts()).toBe(4);
    expect((await history.getVerification(vid(159)))?.verification.v).toBe(1);
    expect((await history.getVerification(vid(59)))?.verification.v).toBe(2);
    expect((await history.getVerification(vid(59)))?.attempts.map((a) => a.v)).toEqual([2]);
  });

  it('prepares a read every time: the same query can run while another is still iterating', async () => {
    await history.write(batch(0, 1));
    const cached = withStatementCache(database);
    const text = 'select id from verifications order by id';
    const outer = cached.prepare(text).iterate([]);
    const first = outer.next();
    // the same SQL again while the first statement is mid-iteration: a kept statement would be busy
    const all = cached.prepare(text).all([]);
    outer.return?.(undefined);
    expect((first.value as { id: string }).id).toBe(vid(0));
    expect(all).toHaveLength(60);
    // and a write statement is one object, reused
    const write = 'update verifications set checks = checks + 1 where id = ?';
    expect(cached.prepare(write)).toBe(cached.prepare(write));
  });
});
