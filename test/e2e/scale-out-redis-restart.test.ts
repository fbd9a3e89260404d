import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup, KEY, smsCode } from '../support/scale-out';
import { WebhookReceiver } from '../support/webhook-receiver';

const TO = '+12025550100'; // answers and listens

/** redis-server restarted (appendonly) in the middle of a workflow: nothing is lost. */
describe('redis-server restarted mid-workflow', () => {
  let redis: RedisServer;
  let group: EngineGroup;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
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

  it('completes the verification, every step and webhook included', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const started = await a.post('/v1/verifications', { to: TO, workflow: 'sms-call-call' });
    const id = started.body.id as string;
    await eventually(async () => ((await a.get(`/v1/verifications/${id}`)).body.attempts[0]?.status === 'completed' ? true : undefined), 'the SMS step');
    const code = await eventually(() => smsCode([a, b], TO), 'the SMS');

    // Redis goes away between two steps; a status request made meanwhile waits for it.
    await redis.stopProcess();
    const asked = b.get(`/v1/verifications/${id}`);
    await redis.start();
    expect((await asked).body).toMatchObject({ id, status: 'pending' });

    // The call step (same code) still fires at its time; Redis restarts again while it runs.
    await group.clock.advance(120_000);
    expect((await a.get(`/v1/verifications/${id}`)).body.attempts[1]).toMatchObject({ n: 2, channel: 'call' });
    await redis.restart();
    const called = await eventually(async () => {
      const res = await b.get(`/v1/verifications/${id}`);
      return res.body.attempts[1]?.status === 'completed' ? res.body : undefined;
    }, 'the call to be recorded', 30_000);
    expect(called.attempts[1]).toMatchObject({ result: 'delivered', outcome: 'answered' });

    const checked = await b.post(`/v1/verifications/${id}/check`, { code });
    expect(checked.body).toMatchObject({ verified: true, status: 'approved' });

    const expected = ['attempt.started', 'attempt.completed', 'attempt.started', 'attempt.completed', 'verification.approved'];
    const events = await eventually(async () => {
      await group.clock.advance(10_000);
      const got = distinct(receiver, id);
      return got.length >= expected.length ? got : undefined;
    }, 'every webhook', 30_000);
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events.every((e) => e.verified)).toBe(true);
  });
});

function distinct(receiver: WebhookReceiver, id: string): ReturnType<WebhookReceiver['forVerification']> {
  const seen = new Set<string>();
  return receiver.forVerification(id).filter((w) => !seen.has(w.id) && seen.add(w.id));
}
