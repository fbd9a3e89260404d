import pino from 'pino';
import { createRedisClient } from '../../src/store/redis/connection';
import { RedisStore } from '../../src/store/redis/redis-store';
import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup, KEY, spokenCode } from '../support/scale-out';
import { WebhookReceiver } from '../support/webhook-receiver';

const TO = '+12025550110'; // slow-answer: rings 20 s (5 s at speed 4), then listens

/**
 * kill -9 of the engine running a call in a pending sms-call-call workflow: the call's attempt
 * is failed cleanly by a survivor, the next step runs on the survivor at its planned time, the
 * verification completes, and every webhook arrives in order.
 */
describe('an engine killed during a pending workflow', () => {
  let redis: RedisServer;
  let group: EngineGroup;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    redis = await startRedisServer();
    const url = await receiver.start();
    receiver.useSecret(KEY.webhookSecret);
    receiver.ignoreTimestamp = true;
    group = new EngineGroup({ storeUrl: redis.url, webhookUrl: url, speed: 4 });
    await group.start('a');
    await group.start('b');
  }, 60_000);
  afterAll(async () => {
    await group?.stopAll();
    await redis?.stop();
    await receiver.stop();
  });

  it('finishes the dead engine’s attempt, runs the next step on another engine on time, and completes', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const started = await a.post('/v1/verifications', { to: TO, workflow: 'sms-call-call' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    await eventually(async () => ((await b.get(`/v1/verifications/${id}`)).body.attempts[0]?.status === 'completed' ? true : undefined), 'the SMS step');

    // Step 2 (a call) is due 120 s later. Engine a's clock moves first, so a places the call.
    await group.clock.advance(120_000);
    const during = await b.get(`/v1/verifications/${id}`);
    expect(during.body.attempts[1]).toMatchObject({ n: 2, channel: 'call', status: 'running' });
    const step3At = Date.parse(during.body.next_step_at as string);

    await group.kill('a');

    // b notices a is gone (no heartbeat for 1 s) and fails the attempt a left running.
    const failed = await eventually(async () => {
      const res = await b.get(`/v1/verifications/${id}`);
      return res.body.attempts[1]?.status === 'completed' ? res.body : undefined;
    }, 'the orphaned attempt to be finished');
    expect(failed.status).toBe('pending');
    expect(failed.attempts[1]).toMatchObject({ result: 'error', status: 'completed' });
    const client = createRedisClient(redis.url, 'test-reader', pino({ level: 'silent' }));
    const store = new RedisStore(client);
    const record = await store.get(id);
    expect(record?.attempts[1]?.detail).toMatch(/^engine instance .+ stopped while running this attempt$/);
    await store.close();

    // Step 3 runs on b, exactly at its planned time.
    await group.clock.advance(step3At - group.clock.now);
    const after = await b.get(`/v1/verifications/${id}`);
    expect(after.body.attempts[2]).toMatchObject({ n: 3, channel: 'call' });
    expect(Date.parse(after.body.attempts[2].started_at as string)).toBe(step3At);

    // Wait for the call to finish, so its attempt.completed comes before verification.approved.
    await eventually(async () => ((await b.get(`/v1/verifications/${id}`)).body.attempts[2]?.status === 'completed' ? true : undefined), 'the third call', 30_000);
    const code = await eventually(() => spokenCode([b], TO), 'the code spoken in the third call');
    const checked = await b.post(`/v1/verifications/${id}/check`, { code });
    expect(checked.body).toMatchObject({ verified: true, status: 'approved' });

    // Every event, in order; deliveries a had claimed when it died are sent by b.
    const expected = [
      'attempt.started', 'attempt.completed',
      'attempt.started', 'attempt.completed',
      'attempt.started', 'attempt.completed',
      'verification.approved',
    ];
    const events = await eventually(async () => {
      await group.clock.advance(10_000);
      const got = firstDeliveries(receiver, id);
      return got.length >= expected.length ? got : undefined;
    }, 'every webhook', 30_000);
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events.map((e) => e.body.data.attempt?.n ?? null)).toEqual([1, 1, 2, 2, 3, 3, null]);
    expect(events.every((e) => e.verified)).toBe(true);
  });
});

/** Deliveries of one verification in arrival order, a redelivery (same webhook-id) counted once. */
function firstDeliveries(receiver: WebhookReceiver, id: string): ReturnType<WebhookReceiver['forVerification']> {
  const seen = new Set<string>();
  return receiver.forVerification(id).filter((w) => !seen.has(w.id) && seen.add(w.id));
}
