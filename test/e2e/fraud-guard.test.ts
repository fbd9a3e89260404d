import type { ApiClient } from '../support/api-client';
import { KEY, QA_KEY, startFixture, type Fixture } from '../support/e2e-fixture';

const ADMIN = { id: 'ops', secret: 'ops-secret-0123456789abcdef', admin: true };

/**
 * The fraud guard (docs/history.md "Fraud guard") through the real engine and the simulator: an
 * SMS pumping pattern (many different numbers of one prefix, nobody ever enters a code) gets the
 * prefix blocked once its starts are old enough to judge; other prefixes keep working; an admin
 * lists the block and lifts it.
 */
describe('fraud guard (e2e, simulator)', () => {
  let f: Fixture;
  let qa: ApiClient;
  let ops: ApiClient;

  beforeAll(async () => {
    f = await startFixture({
      config: {
        apiKeys: [
          { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret },
          { id: QA_KEY.id, secret: QA_KEY.secret, allowedChannels: ['sms'] },
          ADMIN,
        ],
        // the abuse controls would slow this pattern down first; the guard is what is tested here
        abuse: { enabled: false },
        fraudGuard: { enabled: true, windowSeconds: 600, graceSeconds: 60, minStarts: 10, minConversion: 0.2, blockSeconds: 900 },
      },
    });
    qa = f.api.withAuth(f.engine.auth(QA_KEY.id, QA_KEY.secret));
    ops = f.api.withAuth(f.engine.auth(ADMIN.id, ADMIN.secret));
  }, 30_000);
  afterAll(async () => f?.stop());

  it('blocks a pumped prefix, lists the block, and lets the admin lift it', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await qa.post('/v1/verifications', { to: `+4479111234${String(i).padStart(2, '0')}`, channel: 'sms' });
      expect([i, res.status]).toEqual([i, 201]);
    }
    // a healthy prefix beside it: verified
    const healthy = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'sms' });
    // the SMS step runs after the 201: wait for it before reading the message
    await f.waitFor(healthy.body.id as string, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = /\d{6}/.exec(await f.lastSms('+12025550100'))?.[0] as string;
    expect((await f.api.post(`/v1/verifications/${healthy.body.id}/check`, { code })).body.verified).toBe(true);
    // too young to judge: still served
    expect((await qa.post('/v1/verifications', { to: '+447911123480', channel: 'sms' })).status).toBe(201);

    await f.advance(120_000);
    const blocked = await qa.post('/v1/verifications', { to: '+447911123481', channel: 'sms' });
    expect(blocked).toMatchObject({ status: 403, body: { error: { code: 'DESTINATION_BLOCKED', details: { prefix: '447911', retry_after_seconds: expect.any(Number) } } } });
    // another key is refused too (the block is on the destination), other prefixes are served
    expect((await f.api.post('/v1/verifications', { to: '+447911123482', channel: 'sms' })).body.error.code).toBe('DESTINATION_BLOCKED');
    expect((await f.api.post('/v1/verifications', { to: '+12025550101', channel: 'sms' })).status).toBe(201);

    const list = await ops.get('/v1/admin/fraud/blocks');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ enabled: true, blocks: [{ prefix: '447911', started: 13, verified: 0, conversion: 0 }] });
    expect((await f.api.get('/v1/admin/fraud/blocks')).body.error.code).toBe('ADMIN_REQUIRED');

    expect(await ops.request('DELETE', '/v1/admin/fraud/blocks/447911')).toMatchObject({ status: 200, body: { lifted: '447911' } });
    expect((await ops.request('DELETE', '/v1/admin/fraud/blocks/447911')).body.error.code).toBe('FRAUD_BLOCK_NOT_FOUND');
    expect((await ops.get('/v1/admin/fraud/blocks')).body.blocks).toEqual([]);
    expect((await qa.post('/v1/verifications', { to: '+447911123483', channel: 'sms' })).status).toBe(201);
  });
});
