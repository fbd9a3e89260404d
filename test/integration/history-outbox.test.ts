import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { RedisOutbox } from '../../src/history/outbox/redis-outbox';
import { MemoryOutbox } from '../../src/history/outbox/outbox';
import type { HistoryEvent } from '../../src/history/port';
import { openPostgresHistory } from '../../src/history/postgres/open-postgres';
import type { SqlHistory } from '../../src/history/sql/sql-history';
import { openSqliteHistory } from '../../src/history/sqlite/open-sqlite';
import { HistoryWriter } from '../../src/history/writer';
import { createRedisClient, closeRedisClient } from '../../src/store/redis/connection';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { verificationRow, vid } from '../support/history-rows';

const silent = pino({ level: 'silent' });
const events = (from: number, to: number): HistoryEvent[] =>
  Array.from({ length: to - from }, (_, i) => ({ kind: 'verification', row: verificationRow({ id: vid(from + i), createdAt: 1_000_000 + from + i }) }) as const);

async function countAll(history: SqlHistory): Promise<string[]> {
  const ids: string[] = [];
  let cursor: { createdAt: number; id: string } | undefined;
  do {
    const page = await history.listVerifications({}, 500, cursor);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

describe('history outbox on Redis', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-outbox-'));
  });
  afterAll(async () => {
    for (const client of clients) await closeRedisClient(client);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = async (name: string): Promise<Redis> => {
    const c = createRedisClient(redis.url, name, silent);
    await c.connect();
    clients.push(c);
    return c;
  };

  it('hands the entries of an engine that died to another one: every event written once', async () => {
    const history = openSqliteHistory(join(dir, 'takeover.db'));
    await history.migrate();
    const a = new RedisOutbox({ client: await client('a'), consumer: 'engine-a', leaseMs: 300, key: 'pv:test:takeover' });
    const b = new RedisOutbox({ client: await client('b'), consumer: 'engine-b', leaseMs: 300, key: 'pv:test:takeover' });
    await a.append(events(1, 51));
    const claimedByA = await a.claim(20);
    expect(claimedByA).toHaveLength(20);
    // engine a is killed here: its 20 entries were claimed, never written or acknowledged
    const writer = new HistoryWriter({ outbox: b, history, logger: silent, batchSize: 100, pollMs: 10_000 });
    expect(await writer.drain()).toBe(30);
    expect(await b.backlog()).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await writer.drain()).toBe(20);
    expect(await b.backlog()).toBe(0);
    const ids = await countAll(history);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    await history.close();
  });

  it('keeps events across a restart of the only engine (kill -9 before the write)', async () => {
    const key = 'pv:test:restart';
    const before = new RedisOutbox({ client: await client('c'), consumer: 'engine-1', leaseMs: 200, key });
    await before.append(events(100, 140));
    await before.claim(25); // claimed by the process that is then killed
    const history = openSqliteHistory(join(dir, 'restart.db'));
    await history.migrate();
    const after = new RedisOutbox({ client: await client('d'), consumer: 'engine-2', leaseMs: 200, key });
    const writer = new HistoryWriter({ outbox: after, history, logger: silent, batchSize: 10, pollMs: 10_000 });
    await writer.drain();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writer.drain();
    expect(await countAll(history)).toHaveLength(40);
    expect(await after.backlog()).toBe(0);
    await history.close();
  });
});

describe('history writer during a PostgreSQL outage', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgresServer();
  }, 60_000);
  afterAll(async () => pg?.stop());

  it('keeps appending without waiting, grows the backlog, and catches up with no duplicates', async () => {
    const history = openPostgresHistory({ url: pg.url, connectTimeoutMs: 500 });
    await history.migrate();
    const outbox = new MemoryOutbox();
    const writer = new HistoryWriter({ outbox, history, logger: silent, batchSize: 50, pollMs: 20 });
    writer.start();
    await outbox.append(events(1, 101));
    await writer.drain();
    expect(await outbox.backlog()).toBe(0);

    await pg.stopProcess();
    // appends resolve while the database is down: they never wait for it
    for (let i = 101; i < 301; i += 10) await outbox.append(events(i, i + 10));
    await writer.drain().catch(() => undefined);
    expect(writer.health().ok).toBe(false);
    expect(await outbox.backlog()).toBe(200);

    await pg.start();
    for (let i = 0; i < 100 && (await outbox.backlog()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await writer.drain();
    expect(await outbox.backlog()).toBe(0);
    expect(writer.health().ok).toBe(true);
    // the first batch again (a redelivery) changes nothing
    await history.write(events(1, 101));
    const ids = await countAll(history);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    await writer.stop();
    await history.close();
  }, 60_000);
});
