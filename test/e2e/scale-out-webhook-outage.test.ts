import pino from 'pino';
import { createRedisClient } from '../../src/store/redis/connection';
import { RedisStore } from '../../src/store/redis/redis-store';
import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup, KEY } from '../support/scale-out';
import { WebhookReceiver } from '../support/webhook-receiver';

const MINUTE = 60_000;
const NUMBERS = ['+12025550121', '+12025550122', '+12025550123', '+12025550124'];

/**
 * The receiver is down for a simulated hour (and the engine is restarted meanwhile): once it is
 * back, every event arrives, in order per verification.
 */
describe('webhook receiver down for an hour', () => {
  let redis: RedisServer;
  let group: EngineGroup;
  let store: RedisStore;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
    const url = await receiver.start();
    receiver.useSecret(KEY.webhookSecret);
    receiver.ignoreTimestamp = true;
    group = new EngineGroup({ storeUrl: redis.url, webhookUrl: url });
    await group.start('a');
    const client = createRedisClient(redis.url, 'test-reader', pino({ level: 'silent' }));
    store = new RedisStore(client);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await group?.stopAll();
    await redis?.stop();
    await receiver.stop();
  });

  it('delivers every event once it is back, in order per verification', async () => {
    receiver.status = 503;
    const a = group.get('a').api;
    const ids: string[] = [];
    for (const to of NUMBERS) {
      const res = await a.post('/v1/verifications', { to, workflow: 'sms' });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    for (const id of ids) {
      await eventually(async () => ((await a.get(`/v1/verifications/${id}`)).body.attempts[0]?.status === 'completed' ? true : undefined), 'the SMS step');
      expect((await a.post(`/v1/verifications/${id}/cancel`)).status).toBe(200);
    }
    expect(await store.pendingWebhooks()).toBe(3 * ids.length);

    // Half an hour of failing retries, an engine restart, another half hour.
    await group.clock.advanceInSteps(30 * MINUTE, MINUTE);
    await group.stop('a');
    const b = await group.start('b');
    await group.clock.advanceInSteps(30 * MINUTE, MINUTE);
    expect(receiver.received).toEqual([]);
    // Retried all along (one head per verification at a time, backing off), nothing dropped.
    expect(receiver.refused).toBeGreaterThan(2 * ids.length);
    expect(await store.pendingWebhooks()).toBe(3 * ids.length);

    // Back: retries are at most an hour apart (capped backoff), so within the next hour all go out.
    receiver.status = 200;
    await group.clock.advanceInSteps(65 * MINUTE, 5 * MINUTE);
    await eventually(async () => ((await store.pendingWebhooks()) === 0 ? true : undefined), 'the outbox to drain');
    for (const id of ids) {
      const events = receiver.forVerification(id);
      expect(events.map((e) => e.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.canceled']);
      expect(events.every((e) => e.verified)).toBe(true);
    }
    expect((await b.api.get(`/v1/verifications/${ids[0]}`)).body.status).toBe('canceled');
  });
});
