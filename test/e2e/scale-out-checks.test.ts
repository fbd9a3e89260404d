import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup } from '../support/scale-out';

/** Two engines on one Redis answer checks for the same verification: every wrong code counts once. */
describe('two engines racing checks on one verification', () => {
  let redis: RedisServer;
  let group: EngineGroup;

  beforeAll(async () => {
    redis = await startRedisServer();
    group = new EngineGroup({ storeUrl: redis.url });
    await group.start('a');
    await group.start('b');
  }, 60_000);
  afterAll(async () => {
    await group?.stopAll();
    await redis?.stop();
  });

  it('counts every wrong code exactly once and refuses the rest once the limit is reached', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const started = await a.post('/v1/verifications', { to: '+12025550102', workflow: 'sms' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    // A 7-digit code never matches a 6-digit one.
    const racers = Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).post(`/v1/verifications/${id}/check`, { code: '1234567' }));
    const results = await Promise.all(racers);
    const counted = results.filter((r) => r.status === 200);
    expect(counted.map((r) => r.body.attempts_remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(counted.every((r) => r.body.verified === false)).toBe(true);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(Array(7).fill([409, 'VERIFY_TOO_MANY_ATTEMPTS']));
    for (const api of [a, b]) {
      const seen = await api.get(`/v1/verifications/${id}`);
      expect(seen.body).toMatchObject({ status: 'failed', checks: { wrong: 5, max: 5, remaining: 0 } });
    }
  });

  it('accepts the right code on one engine only once', async () => {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const to = '+12025550111';
    const started = await b.post('/v1/verifications', { to, workflow: 'sms' });
    const id = started.body.id as string;
    const code = await eventually(async () => {
      for (const api of [a, b]) {
        const sent = await api.get(`/v1/simulator/messages?to=${encodeURIComponent(to)}`);
        const body = sent.body.messages[0]?.body as string | undefined;
        if (body) return /(\d{6})/.exec(body)?.[1];
      }
      return undefined;
    }, 'the SMS with the code');
    const results = await Promise.all([a, b, a, b].map((api) => api.post(`/v1/verifications/${id}/check`, { code })));
    expect(results.filter((r) => r.status === 200 && r.body.verified === true)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(3).fill('VERIFY_ALREADY_APPROVED'));
  });
});
