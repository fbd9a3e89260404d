import { eventually } from '../support/api-client';
import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';
import { docsExample } from '../support/routing-example';

/**
 * The configuration of docs/routing.md, as written, through the real engine with the simulator
 * standing in for both trunks: route choice, local-presence caller ID, NO_ROUTE before dialling,
 * pool checks, trunk and caller ID on attempts and webhooks, GET /v1/trunks, and failover within
 * one attempt when carrier-a refuses with 503 (simulator.trunks).
 */
const ADMIN = { id: 'ops', secret: 'ops-secret-0123456789abcdef', admin: true };
const keys = [
  { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, brand: 'Acme' },
  ADMIN,
];
const GB = '+442079460123';

async function simulatedCalls(f: Fixture, to: string): Promise<any[]> {
  return (await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;
}

describe('routing with the configuration of docs/routing.md', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ config: { ...docsExample(), apiKeys: keys } });
  }, 30_000);
  afterAll(() => f.stop());

  it('places a GB call on carrier-a with a +44 caller ID, recorded on the attempt and in webhooks', async () => {
    const created = await f.api.post('/v1/verifications', { to: GB, channel: 'call', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    const done = await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts[0]).toMatchObject({ outcome: 'answered', result: 'delivered', trunk: 'carrier-a', failover: [] });
    expect(done.attempts[0].caller_id).toMatch(/^\+44/);
    const [call] = await simulatedCalls(f, GB);
    expect(call).toMatchObject({ trunk: 'carrier-a', callerId: done.attempts[0].caller_id, dial: `PJSIP/${GB}@carrier-a` });
    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(created.body.id).filter((h) => h.type === 'attempt.completed');
      return got.length ? got : undefined;
    }, 'attempt.completed');
    expect(hooks[0]?.body.data.attempt).toMatchObject({ trunk: 'carrier-a', caller_id: done.attempts[0].caller_id });
  });

  it('refuses a French number with NO_ROUTE before dialling', async () => {
    const to = '+33142685300';
    const res = await f.api.post('/v1/verifications', { to, channel: 'call' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'NO_ROUTE' } } });
    expect(await simulatedCalls(f, to)).toEqual([]);
  });

  it('refuses a caller ID outside every pool of the route, and presents one inside it', async () => {
    const outside = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'call', caller_id: '+442037691880' });
    expect(outside).toMatchObject({ status: 403, body: { error: { code: 'CALLER_ID_NOT_IN_POOL' } } });
    for (const hostile of ['+44203769188;0', '+4420 3769188', '+442037691880\n', '+4420,37691880', '{x}']) {
      const res = await f.api.post('/v1/verifications', { to: GB, channel: 'call', caller_id: hostile });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const to = '+442079460124';
    const inside = await f.api.post('/v1/verifications', { to, channel: 'call', caller_id: '+442037691881' });
    expect(inside.status).toBe(201);
    const done = await f.waitFor(inside.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts[0]).toMatchObject({ trunk: 'carrier-a', caller_id: '+442037691881' });
  });

  it('lists both trunks with their state to admin keys only', async () => {
    const asShop = await f.api.get('/v1/trunks');
    expect(asShop).toMatchObject({ status: 403, body: { error: { code: 'ADMIN_REQUIRED' } } });
    const res = await f.api.request('GET', '/v1/trunks', undefined, { authorization: f.engine.auth(ADMIN.id, ADMIN.secret) });
    expect(res.status).toBe(200);
    expect(res.body.trunks.map((t: any) => [t.name, t.state])).toEqual([
      ['carrier-a', 'closed'],
      ['carrier-b', 'closed'],
    ]);
    expect(res.body.trunks[0]).toMatchObject({ caller_ids: ['+442037691880', '+442037691881', '+12025550180'], answered: 2 });
  });
});

describe('failover within one attempt', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ config: { ...docsExample(), apiKeys: keys, simulator: { speed: 20, trunks: { 'carrier-a': 'congestion' } } } });
  }, 30_000);
  afterAll(() => f.stop());

  it('moves a call refused by carrier-a with 503 to carrier-b, which answers, in the same attempt', async () => {
    const created = await f.api.post('/v1/verifications', { to: GB, channel: 'call', callback_url: f.hookUrl });
    const done = await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({
      outcome: 'answered',
      result: 'delivered',
      trunk: 'carrier-b',
      caller_id: '+12025550181',
      failover: [{ trunk: 'carrier-a', outcome: 'congestion', cause: { q850: 34, sip: 503 } }],
    });
    const calls = await simulatedCalls(f, GB);
    expect(calls.map((c) => [c.trunk, c.dial])).toEqual([
      ['carrier-a', `PJSIP/${GB}@carrier-a`],
      ['carrier-b', `PJSIP/${GB}@carrier-b`],
    ]);
    expect(calls[0].callerId).toMatch(/^\+44/);
    const trunks = await f.api.request('GET', '/v1/trunks', undefined, { authorization: f.engine.auth(ADMIN.id, ADMIN.secret) });
    expect(trunks.body.trunks[0]).toMatchObject({ name: 'carrier-a', attempts: 1, answered: 0, failures_by_cause: { 'congestion q850=34 sip=503': 1 } });
    expect(trunks.body.trunks[1]).toMatchObject({ name: 'carrier-b', attempts: 1, answered: 1 });
  });

  it('ends the attempt on a person cause without trying another trunk', async () => {
    const busy = '+12025550103';
    const created = await f.api.post('/v1/verifications', { to: busy, channel: 'call' });
    const done = await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts[0]).toMatchObject({ outcome: 'busy', trunk: 'carrier-b', failover: [] });
    expect(await simulatedCalls(f, busy)).toHaveLength(1);
  });
});
