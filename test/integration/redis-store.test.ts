import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { closeRedisClient, createRedisClient, KEY_PREFIX } from '../../src/store/redis/connection';
import { encodeDelivery } from '../../src/store/redis/job-codec';
import { encodeRecord } from '../../src/store/redis/record-codec';
import { RedisPeers } from '../../src/store/redis/redis-peers';
import { RedisStore } from '../../src/store/redis/redis-store';
import { ENQUEUE_WEBHOOK, UPDATE } from '../../src/store/redis/scripts';
import type { WebhookDelivery } from '../../src/store/port';
import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { sampleRecord } from '../contract/store';

const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;
const lease = (owner: string) => ({ owner, leaseMs: 60_000 });

describe('Redis store on a real redis-server', () => {
  let server: RedisServer;
  const clients: Redis[] = [];

  async function client(name = 'test'): Promise<Redis> {
    const c = createRedisClient(server.url, name, logger);
    await c.connect();
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startRedisServer({ appendonly: true });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedisClient(c)));
    await server.stop();
  });

  it("speaks RESP3 with Debian's redis-server 7.0 (HELLO 3, no CLIENT SETINFO needed)", async () => {
    const c = await client();
    const info = (await c.call('CLIENT', 'INFO')) as string;
    expect(info).toMatch(/resp=3/);
    expect(await c.info('server')).toMatch(/redis_version:7\./);
  });

  it('applies a write replayed after a lost reply once (compare-and-set stays exact)', async () => {
    const c = await client();
    const store = new RedisStore(c);
    const record = sampleRecord();
    await store.create(record, { replaceActive: false, ttlMs: HOUR });
    const keys = [`${KEY_PREFIX}r:${record.id}`, `${KEY_PREFIX}n:${record.keyId}|${record.to}`];
    const value = `${encodeRecord({ ...record, v: 2, wrongChecks: 1 })}\nnonce-1`;
    // The same write twice (what ioredis' resend after a reconnect does): applied once, reported OK both times.
    await expect(UPDATE.run(c, keys, [1, value, HOUR, record.id])).resolves.toBe(1);
    await expect(UPDATE.run(c, keys, [1, value, HOUR, record.id])).resolves.toBe(1);
    // Another writer with the same change but its own nonce lost the race.
    const rival = `${encodeRecord({ ...record, v: 2, wrongChecks: 1 })}\nnonce-2`;
    await expect(UPDATE.run(c, keys, [1, rival, HOUR, record.id])).resolves.toBe(0);
    await expect(store.get(record.id)).resolves.toMatchObject({ v: 2, wrongChecks: 1 });

    const before = await store.pendingWebhooks();
    const d = delivery(randomBytes(4).toString('hex'));
    await store.enqueueWebhook(d);
    await ENQUEUE_WEBHOOK.run(c, [`${KEY_PREFIX}wd`, `${KEY_PREFIX}wdue`], [d.id, encodeDelivery(d), d.orderingKey, d.nextAt, `${KEY_PREFIX}wq:`]);
    expect(await store.pendingWebhooks()).toBe(before + 1);
    await store.completeWebhook(d.id);
  });

  it('keeps records, schedules and the outbox across a redis-server restart (appendonly)', async () => {
    const store = new RedisStore(await client());
    const record = sampleRecord();
    await store.create(record, { replaceActive: false, ttlMs: HOUR });
    const job = { id: `${record.id}:step`, kind: 'step' as const, verificationId: record.id, at: 5_000, token: 'tok', step: 1 };
    await store.scheduleJob(job);
    const d = delivery(record.id);
    await store.enqueueWebhook(d);

    await server.stopProcess();
    // Asked while Redis is down: waits for the reconnect instead of failing.
    const during = store.get(record.id);
    await server.start();
    await expect(during).resolves.toEqual(record);
    await expect(store.findByNumber(record.keyId, record.to)).resolves.toEqual(record);
    expect(await store.claimDueJobs(6_000, 100, lease('a'))).toContainEqual(job);
    expect((await store.claimWebhooks(Date.now(), 100, lease('a'))).map((x) => x.id)).toContain(d.id);
    await store.ackJob(job.id, job.token);
    await store.completeWebhook(d.id);
  });

  it('hands each due job to exactly one of several engines claiming at once', async () => {
    const stores = [new RedisStore(await client('a')), new RedisStore(await client('b')), new RedisStore(await client('c'))];
    const tag = randomBytes(4).toString('hex');
    const ids = Array.from({ length: 60 }, (_, i) => `${tag}${i}:step`);
    await Promise.all(ids.map((id) => stores[0]!.scheduleJob({ id, kind: 'step', verificationId: id.slice(0, -5), at: 100, token: 't', step: 0 })));
    const claimed: string[] = [];
    for (let round = 0; round < 10; round++) {
      const batches = await Promise.all(stores.map((s, i) => s.claimDueJobs(200, 4, lease(`engine-${i}`))));
      for (const batch of batches) claimed.push(...batch.map((j) => j.id).filter((id) => id.startsWith(tag)));
    }
    expect(claimed.sort()).toEqual([...ids].sort());
    await Promise.all(ids.map((id) => stores[0]!.ackJob(id, 't')));
  });

  it('delivers each webhook once and in order per verification while several engines claim', async () => {
    const stores = [new RedisStore(await client('a')), new RedisStore(await client('b'))];
    const keys = Array.from({ length: 8 }, () => randomBytes(6).toString('hex'));
    const expected = new Map<string, string[]>();
    for (let n = 0; n < 5; n++) {
      for (const key of keys) {
        const d = delivery(key, { type: `event-${n}` });
        expected.set(key, [...(expected.get(key) ?? []), d.id]);
        await stores[n % 2]!.enqueueWebhook(d);
      }
    }
    const seen = new Map<string, string[]>();
    for (let round = 0; round < 20; round++) {
      const batches = await Promise.all(stores.map((s, i) => s.claimWebhooks(Date.now(), 3, lease(`engine-${i}`))));
      const mine = batches.flat().filter((d) => keys.includes(d.orderingKey));
      if (mine.length === 0) break;
      for (const d of mine) seen.set(d.orderingKey, [...(seen.get(d.orderingKey) ?? []), d.id]);
      await Promise.all(mine.map((d, i) => stores[i % 2]!.completeWebhook(d.id)));
    }
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
  });

  describe('engine peers', () => {
    function peers(c: Redis, sub: Redis, instanceId: string): RedisPeers {
      return new RedisPeers({ client: c, subscriber: sub, instanceId, logger, heartbeatMs: 100, instanceTtlMs: 400 });
    }

    it('delivers an abort request to the instance named in it', async () => {
      const a = peers(await client(), await client(), `a-${randomBytes(3).toString('hex')}`);
      const b = peers(await client(), await client(), `b-${randomBytes(3).toString('hex')}`);
      const got: string[] = [];
      await a.start((attempt, reason) => got.push(`${attempt.verificationId}:${attempt.n}/${reason}`));
      await b.start(() => got.push('wrong instance'));
      await b.requestAbort(a.instanceId, { verificationId: 'v1', n: 2 }, 'verification canceled');
      await eventually(async () => (got.length > 0 ? true : undefined), 'the abort request');
      expect(got).toEqual(['v1:2/verification canceled']);
      await a.stop();
      await b.stop();
    });

    it('hands the attempts of an instance that died to one survivor each', async () => {
      const tag = randomBytes(3).toString('hex');
      const deadClient = await client();
      const deadSubscriber = await client();
      const dead = peers(deadClient, deadSubscriber, `dead-${tag}`);
      await dead.start(() => undefined);
      await dead.hold({ verificationId: `v-${tag}-1`, n: 2 });
      await dead.hold({ verificationId: `v-${tag}-2`, n: 1 });
      const survivors = [peers(await client(), await client(), `s1-${tag}`), peers(await client(), await client(), `s2-${tag}`)];
      for (const s of survivors) await s.start(() => undefined);
      expect((await Promise.all(survivors.map((s) => s.claimOrphans(10)))).flat().filter((o) => o.instance === `dead-${tag}`)).toEqual([]);

      // As after kill -9: its connections drop, no more heartbeats, nothing cleaned up.
      deadClient.disconnect();
      deadSubscriber.disconnect();
      const orphans = await eventually(async () => {
        const found = (await Promise.all(survivors.map((s) => s.claimOrphans(10)))).flat().filter((o) => o.instance === `dead-${tag}`);
        return found.length > 0 ? found : undefined;
      }, 'the dead instance to be noticed');
      const more = (await Promise.all(survivors.map((s) => s.claimOrphans(10)))).flat().filter((o) => o.instance === `dead-${tag}`);
      expect([...orphans, ...more].map((o) => `${o.verificationId}:${o.n}`).sort()).toEqual([`v-${tag}-1:2`, `v-${tag}-2:1`]);
      for (const s of survivors) await s.stop();
      await dead.stop(); // only its timer was left of it
    });
  });
});

function delivery(orderingKey: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: `msg_${randomBytes(6).toString('hex')}`,
    orderingKey,
    keyId: 'k1',
    url: 'http://127.0.0.1:1/hook',
    type: 'verification.approved',
    body: '{}',
    createdAt: 1,
    nextAt: 1_000,
    attempts: 0,
    ...overrides,
  };
}
