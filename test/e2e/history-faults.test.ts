import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ApiClient, eventually } from '../support/api-client';
import { startEngine, type EngineProcess } from '../support/engine-process';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';
import { startRedisServer, type RedisServer } from '../support/redis-server';

const SHOP = { id: 'shop', secret: 'shop-secret-0123456789abcdef' };
const OPS = { id: 'ops', secret: 'ops-secret-0123456789abcdef' };

/**
 * The history's durability through faults, on real servers: PostgreSQL stopped while the engine
 * takes verifications (they are all accepted; the backlog grows in the Redis outbox), the engine
 * killed with -9 while that backlog waits, PostgreSQL back, a new engine started: every
 * verification is in the history, none twice.
 */
describe('history through a PostgreSQL outage and an engine kill -9 (Redis store)', () => {
  let redis: RedisServer;
  let pg: PostgresServer;
  let file: string;
  const engines: EngineProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    pg = await startPostgresServer();
    file = join(mkdtempSync(join(tmpdir(), 'pbxverify-history-faults-')), 'pbxverify.yaml');
    writeFileSync(
      file,
      stringify({
        secret: 'history-faults-secret-0123456789abcdefgh',
        apiKeys: [{ ...SHOP, allowedChannels: ['sms'] }, { ...OPS, reports: true, allowedChannels: ['sms'] }],
        history: { writerPollMs: 50, claimLeaseMs: 1000 },
        scaleOut: { heartbeatMs: 200, instanceTtlMs: 1000, sweepMs: 200 },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const engine of engines) await engine.stop('SIGKILL');
    await pg?.stop();
    await redis?.stop();
  });

  const start = async (): Promise<{ engine: EngineProcess; shop: ApiClient; ops: ApiClient }> => {
    const engine = await startEngine({ PBXVERIFY_CONFIG: file, PBXVERIFY_STORE: redis.url, PBXVERIFY_HISTORY: pg.url, PBXVERIFY_ABUSE_CONTROLS: 'off', PBXVERIFY_SIMULATOR_SPEED: '20' });
    engines.push(engine);
    return { engine, shop: new ApiClient(engine.url, engine.auth(SHOP.id, SHOP.secret)), ops: new ApiClient(engine.url, engine.auth(OPS.id, OPS.secret)) };
  };

  const allIds = async (ops: ApiClient): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await ops.get(`/v1/verifications?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      if (res.status !== 200) throw new Error(`history: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(...res.body.items.map((v: { id: string }) => v.id));
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    return ids;
  };

  it('accepts every start while PostgreSQL is down, loses nothing to kill -9, and writes each verification once', async () => {
    const a = await start();
    const started: string[] = [];
    const startSms = async (api: ApiClient, i: number): Promise<void> => {
      const res = await api.post('/v1/verifications', { to: `+120255501${String(20 + i).padStart(2, '0')}`, channel: 'sms' });
      expect(res.status).toBe(201);
      started.push(res.body.id as string);
    };
    for (let i = 0; i < 5; i++) await startSms(a.shop, i);
    await eventually(async () => ((await allIds(a.ops)).length === 5 ? true : undefined), 'the first five in the history');

    await pg.stopProcess();
    for (let i = 5; i < 30; i++) await startSms(a.shop, i);
    const ready = await eventually(async () => {
      const res = await a.shop.get('/readyz');
      return res.body.history?.ok === false && res.body.history.backlog > 0 ? res : undefined;
    }, 'the backlog to show in /readyz');
    expect(ready.status).toBe(200); // the history never makes the engine unready
    const metrics = await (await fetch(`${a.engine.url}/metrics`)).text();
    expect(Number(/^pbxverify_history_backlog (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect((await a.ops.get('/v1/verifications')).body.error.code).toBe('HISTORY_UNAVAILABLE');

    await a.engine.stop('SIGKILL');
    await pg.start();
    const b = await start();
    const ids = await eventually(async () => {
      const got = await allIds(b.ops);
      return got.length >= started.length ? got : undefined;
    }, 'every verification in the history', 30_000);
    expect(ids).toHaveLength(started.length);
    expect(new Set(ids)).toEqual(new Set(started));
    const csv = await fetch(`${b.engine.url}/v1/reports/attempts.csv`, { headers: { authorization: b.engine.auth(OPS.id, OPS.secret) } });
    const rows = (await csv.text()).trim().split('\r\n').slice(1);
    // one SMS attempt per verification, each once
    expect(rows.map((line) => line.split(',').slice(0, 2).join('/')).sort()).toEqual(started.map((id) => `${id}/1`).sort());
  }, 90_000);
});
