import pino from 'pino';
import { createRedisClient } from '../../src/store/redis/connection';
import { RedisStore } from '../../src/store/redis/redis-store';
import { eventually } from '../support/api-client';
import { TcpProxy } from '../support/esl/tcp-proxy';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup, KEY } from '../support/scale-out';

/**
 * Idempotency keys across engines on one redis-server. Engine `a` reaches Redis through a relay
 * that can hold Redis' replies: its commands land (the key is reserved in the store) but `a`
 * never learns it, so its request stays in flight for as long as the test wants; engine `b`
 * talks to Redis directly. Numbers +1202555 01xx are exempt from the per-number flood limits.
 */
describe('Idempotency-Key across engines sharing Redis (e2e)', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let group: EngineGroup;
  let store: RedisStore;

  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = new TcpProxy({ host: '127.0.0.1', port: redis.port });
    await proxy.start();
    // liveness far longer than a held reply, so b never sweeps a while a waits for Redis
    group = new EngineGroup({ storeUrl: redis.url, config: { scaleOut: { heartbeatMs: 200, instanceTtlMs: 10_000, sweepMs: 200 } } });
    await group.start('a', { PBXVERIFY_STORE: `redis://127.0.0.1:${proxy.port}/0` });
    await group.start('b');
    const client = createRedisClient(redis.url, 'test', pino({ level: 'silent' }));
    await client.connect();
    store = new RedisStore(client);
  }, 60_000);
  afterAll(async () => {
    proxy?.holdReplies(false);
    await group?.stopAll();
    await store?.close();
    await proxy?.stop();
    await redis?.stop();
  });

  const idem = (key: string): Record<string, string> => ({ 'idempotency-key': key });
  /** Until engine `a`'s request holds the key in the store (its reply held by the relay). */
  const heldInFlight = (key: string) =>
    eventually(async () => ((await store.getIdempotency(KEY.id, key, group.clock.now))?.state === 'in-flight' ? true : undefined), `${key} in flight`);

  it('replays on the other engine what the first engine answered', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const first = await a.post('/v1/verifications', { to: '+12025550160', channel: 'sms' }, idem('cross-160'));
    expect(first.status).toBe(201);
    const retry = await b.post('/v1/verifications', { to: '+12025550160', channel: 'sms' }, idem('cross-160'));
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await b.post('/v1/verifications', { to: '+12025550160', channel: 'sms' })).body).toMatchObject({ error: { code: 'VERIFICATION_ACTIVE_EXISTS' } });
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request still runs, 422 for another body, then replays', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    proxy.holdReplies(true);
    const slow = a.post('/v1/verifications', { to: '+12025550161', channel: 'sms' }, idem('cross-161'));
    await heldInFlight('cross-161');

    const concurrent = await b.post('/v1/verifications', { to: '+12025550161', channel: 'sms' }, idem('cross-161'));
    expect(concurrent).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_IN_USE' } } });
    const other = await b.post('/v1/verifications', { to: '+12025550162', channel: 'sms' }, idem('cross-161'));
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });

    proxy.holdReplies(false);
    const done = await slow;
    expect(done.status).toBe(201);
    const retry = await b.post('/v1/verifications', { to: '+12025550161', channel: 'sms' }, idem('cross-161'));
    expect(retry).toMatchObject({ status: 201, body: done.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('frees a key held by an engine that died mid-request once its lease (60 s) ends', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    proxy.holdReplies(true);
    const lost = a.post('/v1/verifications', { to: '+12025550163', channel: 'sms' }, idem('cross-163')).then(
      () => 'answered',
      () => 'connection lost',
    );
    await heldInFlight('cross-163');
    await group.kill('a');
    proxy.holdReplies(false);
    expect(await lost).toBe('connection lost');

    const locked = await b.post('/v1/verifications', { to: '+12025550163', channel: 'sms' }, idem('cross-163'));
    expect(locked).toMatchObject({ status: 409, body: { error: { code: 'IDEMPOTENCY_KEY_IN_USE' } } });
    await group.clock.advance(59_000);
    expect((await b.post('/v1/verifications', { to: '+12025550163', channel: 'sms' }, idem('cross-163'))).status).toBe(409);

    await group.clock.advance(1_000);
    const retried = await b.post('/v1/verifications', { to: '+12025550163', channel: 'sms' }, idem('cross-163'));
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const replay = await b.post('/v1/verifications', { to: '+12025550163', channel: 'sms' }, idem('cross-163'));
    expect(replay).toMatchObject({ status: 201, body: retried.body });
  });
});
