import { Redis } from 'ioredis';
import pino from 'pino';
import { redisOptions } from '../../src/store/redis/connection';
import { RedisTrunkLimits } from '../../src/store/redis/trunk-limits';
import type { TrunkSlot } from '../../src/routing/shared-limits';
import { eventually } from '../support/api-client';
import { startSentinelSet, type SentinelSet } from '../support/redis-sentinel';
import { EngineGroup, KEY, smsCode } from '../support/scale-out';
import { WebhookReceiver } from '../support/webhook-receiver';

const TO = ['+12025550100', '+12025550101', '+12025550102']; // answer and listen

/**
 * Redis Sentinel (Debian's redis-sentinel) with a primary and a replica on loopback; two engines
 * reach the store through `redis-sentinel://`. The primary is stopped while three verifications
 * wait for their scheduled call step; the sentinel promotes the replica, the engines follow it,
 * and every verification finishes with each attempt and webhook exactly once.
 */
describe('Redis Sentinel: the primary fails over mid-workflow', () => {
  let sentinel: SentinelSet;
  let group: EngineGroup;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    sentinel = await startSentinelSet({ downAfterMs: 400 });
    const url = await receiver.start();
    receiver.useSecret(KEY.webhookSecret);
    receiver.ignoreTimestamp = true;
    group = new EngineGroup({ storeUrl: sentinel.url, webhookUrl: url, speed: 4 });
    await group.start('a');
    await group.start('b');
  }, 60_000);
  afterAll(async () => {
    await group?.stopAll();
    await sentinel?.stop();
    await receiver.stop();
  });

  it('keeps in-flight verifications, their schedules and leases: nothing lost, nothing doubled', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const ids: string[] = [];
    for (const [i, to] of TO.entries()) {
      const res = await (i % 2 ? b : a).post('/v1/verifications', { to, workflow: 'sms-call-call' });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    for (const id of ids) {
      await eventually(async () => ((await a.get(`/v1/verifications/${id}`)).body.attempts[0]?.status === 'completed' ? true : undefined), 'the SMS step');
    }
    const codes = await Promise.all(TO.map((to) => eventually(() => smsCode([a, b], to), 'the SMS')));

    // Trunk slot leases (routing's cluster-wide caps) held by a third client through the sentinel.
    const limitsClient = new Redis(redisOptions(sentinel.url, 'leases'));
    limitsClient.on('error', () => undefined); // reconnecting through the sentinel; the assertions below say what matters
    await limitsClient.connect();
    const limits = new RedisTrunkLimits(limitsClient, 'engine-c', 30_000, pino({ level: 'silent' }));
    const held = await Promise.all([1, 2, 3].map(() => limits.tryAcquire('carrier', { maxConcurrent: 3 })));
    expect(held.every((h) => typeof h === 'object')).toBe(true);

    // Every write so far is on the replica before the primary goes (replication is asynchronous).
    const direct = new Redis({ host: '127.0.0.1', port: sentinel.primary.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await direct.connect();
    expect(Number(await direct.call('WAIT', '1', '5000'))).toBe(1);
    direct.disconnect();

    const before = sentinel.primary.port;
    await sentinel.primary.stopProcess();
    const asked = b.get(`/v1/verifications/${ids[1]}`); // sent while the sentinel has not switched yet
    expect(await sentinel.waitForPrimaryOtherThan(before)).toBe(sentinel.replica.port);
    expect((await asked).body).toMatchObject({ id: ids[1], status: 'pending' });
    // Once the replica is primary, both engines and the lease client reach it through the sentinel.
    for (const api of [a, b]) {
      const res = await eventually(async () => {
        const got = await api.get(`/v1/verifications/${ids[0]}`);
        return got.status === 200 ? got : undefined;
      }, 'the engine on the new primary', 20_000);
      expect(res.body).toMatchObject({ id: ids[0], status: 'pending' });
    }

    // The leases are on the new primary: still three live, none more to take until one is released.
    const slots = await eventually(async () => {
      const live = await limitsClient.zcard('pv:trunk:{carrier}:slots').catch(() => undefined);
      return live === undefined ? undefined : live;
    }, 'the lease client on the new primary', 20_000);
    expect(slots).toBe(3);
    expect(await limits.inFlight('carrier')).toBe(3);
    expect(await limits.tryAcquire('carrier', { maxConcurrent: 3 })).toBe('full');
    await (held[0] as TrunkSlot).release();
    expect(typeof (await limits.tryAcquire('carrier', { maxConcurrent: 3 }))).toBe('object');
    expect(await limits.inFlight('carrier')).toBe(3);
    await limits.stop();
    limitsClient.disconnect();

    // The scheduled call steps fire on the new primary.
    await group.clock.advance(120_000);
    for (const id of ids) {
      const done = await eventually(async () => {
        const res = await a.get(`/v1/verifications/${id}`);
        return res.body.attempts[1]?.status === 'completed' ? res.body : undefined;
      }, 'the call step', 30_000);
      expect(done.attempts).toHaveLength(2);
      expect(done.attempts[1]).toMatchObject({ n: 2, channel: 'call', result: 'delivered' });
    }
    for (const [i, id] of ids.entries()) {
      const checked = await (i % 2 ? a : b).post(`/v1/verifications/${id}/check`, { code: codes[i] });
      expect(checked.body).toMatchObject({ verified: true, status: 'approved' });
    }

    const expected = ['attempt.started', 'attempt.completed', 'attempt.started', 'attempt.completed', 'verification.approved'];
    for (const id of ids) {
      const events = await eventually(async () => {
        await group.clock.advance(10_000);
        const got = distinct(receiver, id);
        return got.length >= expected.length ? got : undefined;
      }, 'every webhook', 30_000);
      expect(events.map((e) => e.type)).toEqual(expected);
    }
    // Later clock moves run nothing more: no step or webhook was scheduled twice.
    await group.clock.advance(600_000);
    for (const id of ids) {
      expect(distinct(receiver, id).map((e) => e.type)).toEqual(expected);
      expect((await b.get(`/v1/verifications/${id}`)).body.attempts).toHaveLength(2);
    }
  });
});

function distinct(receiver: WebhookReceiver, id: string): ReturnType<WebhookReceiver['forVerification']> {
  const seen = new Set<string>();
  return receiver.forVerification(id).filter((w) => !seen.has(w.id) && seen.add(w.id));
}
