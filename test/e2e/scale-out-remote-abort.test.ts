import { eventually, type ApiClient } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup } from '../support/scale-out';

interface CallLog {
  events: Array<{ type: string; by?: string; item?: { prompt?: string }; completed?: boolean }>;
}

/**
 * A call runs on the engine that claimed its step; cancel or approve on another engine must
 * still hang that call up (the engines share Redis and nothing else).
 */
describe('ending a verification on another engine than the one calling', () => {
  let redis: RedisServer;
  let group: EngineGroup;

  beforeAll(async () => {
    redis = await startRedisServer();
    // Real-time calls: the announcement takes several seconds, long enough to interrupt it.
    // The periodic re-check is pushed out of the way: the hang-up must come over pub/sub.
    group = new EngineGroup({ storeUrl: redis.url, speed: 1, config: { scaleOut: { heartbeatMs: 200, instanceTtlMs: 1_000, sweepMs: 60_000 } } });
    await group.start('a');
    await group.start('b');
  }, 60_000);
  afterAll(async () => {
    await group?.stopAll();
    await redis?.stop();
  });

  /** Starts a voice verification and finds the engine whose PBX answered the call. */
  async function callRunning(to: string, body: Record<string, unknown> = {}): Promise<{ id: string; caller: ApiClient; other: ApiClient }> {
    const a = group.get('a').api;
    const b = group.get('b').api;
    const started = await a.post('/v1/verifications', { to, workflow: 'call', ...body });
    expect(started.status).toBe(201);
    const caller = await eventually(async () => {
      for (const api of [a, b]) {
        const calls = (await api.get<{ calls: CallLog[] }>(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;
        if (calls[0]?.events.some((e) => e.type === 'answered')) return api;
      }
      return undefined;
    }, 'the call to be answered');
    return { id: started.body.id as string, caller, other: caller === a ? b : a };
  }

  async function hungUpEarly(caller: ApiClient, to: string): Promise<CallLog> {
    return eventually(async () => {
      const call = (await caller.get<{ calls: CallLog[] }>(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls[0];
      return call?.events.some((e) => e.type === 'ended') ? call : undefined;
    }, 'the call to end');
  }

  it('hangs up the call when the verification is canceled on the other engine', async () => {
    const to = '+12025550131';
    const { id, caller, other } = await callRunning(to);
    const canceled = await other.post(`/v1/verifications/${id}/cancel`);
    expect(canceled.body.status).toBe('canceled');

    const call = await hungUpEarly(caller, to);
    expect(call.events.find((e) => e.type === 'ended')?.by).toBe('local');
    expect(call.events.some((e) => e.type === 'play' && e.item?.prompt === 'goodbye' && e.completed)).toBe(false);
    const attempt = await eventually(async () => {
      const a = (await other.get(`/v1/verifications/${id}`)).body.attempts[0];
      return a?.status === 'completed' ? a : undefined;
    }, 'the attempt to be recorded');
    expect(attempt.result).toBe('aborted');
  });

  it('hangs up the call when the code is approved on the other engine', async () => {
    const to = '+12025550132';
    const { id, caller, other } = await callRunning(to, { code: '424242' });
    const checked = await other.post(`/v1/verifications/${id}/check`, { code: '424242' });
    expect(checked.body).toMatchObject({ verified: true, status: 'approved' });
    const call = await hungUpEarly(caller, to);
    expect(call.events.some((e) => e.type === 'play' && e.item?.prompt === 'goodbye' && e.completed)).toBe(false);
  });
});
