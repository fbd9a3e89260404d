import { eventually, type ApiClient } from '../support/api-client';
import { KEY, QA_KEY, startFixture, type Fixture } from '../support/e2e-fixture';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';

const ADMIN = { id: 'ops', secret: 'ops-secret-0123456789abcdef', admin: true };
/** The operator's alert endpoint secret (not a key's). */
const ALERT_SECRET = 'whsec_C2FsdGVkLWFsZXJ0LXNlY3JldC0wMTIzNDU2';

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
  const alerts = new WebhookReceiver();

  beforeAll(async () => {
    const alertUrl = await alerts.start();
    alerts.useSecret(ALERT_SECRET);
    f = await startFixture({
      config: {
        apiKeys: [
          { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret },
          { id: QA_KEY.id, secret: QA_KEY.secret, allowedChannels: ['sms'] },
          ADMIN,
        ],
        // the abuse controls would slow this pattern down first; the guard is what is tested here
        abuse: { enabled: false },
        fraudGuard: { enabled: true, windowSeconds: 600, graceSeconds: 60, minStarts: 10, minConversion: 0.2, blockSeconds: 900, alert: { url: alertUrl, webhookSecret: ALERT_SECRET } },
      },
    });
    qa = f.api.withAuth(f.engine.auth(QA_KEY.id, QA_KEY.secret));
    ops = f.api.withAuth(f.engine.auth(ADMIN.id, ADMIN.secret));
  }, 30_000);
  afterAll(async () => {
    await f?.stop();
    await alerts.stop();
  });

  const alertsOf = (type: string): ReceivedWebhook[] => alerts.received.filter((w) => w.type === type);
  const pump = async (from: number): Promise<void> => {
    for (let i = from; i < from + 12; i++) {
      const res = await qa.post('/v1/verifications', { to: `+4479111234${String(i).padStart(2, '0')}`, channel: 'sms' });
      expect([i, res.status]).toEqual([i, 201]);
    }
  };

  it('blocks a pumped prefix, alerts the operator, lists the block, and lets the admin lift it (alerted too)', async () => {
    await pump(0);
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

    // the operator alert: a signed webhook to fraudGuard.alert.url, verified with `standardwebhooks`
    const [blockedAlert] = await eventually(async () => (alertsOf('fraud_guard.blocked').length ? alertsOf('fraud_guard.blocked') : undefined), 'the block alert');
    expect(blockedAlert).toMatchObject({ verified: true, body: { type: 'fraud_guard.blocked', data: { prefix: '447911', started: 13, verified: 0, conversion: 0, block_seconds: 900 } } });
    expect(blockedAlert?.headers['webhook-signature']).toMatch(/^v1,/);
    // not to the keys' webhook endpoints, and no number in the log line beyond the prefix
    expect(f.receiver.received.filter((w) => w.type.startsWith('fraud_guard'))).toEqual([]);
    const warned = f.engine.lines.filter((l) => l.includes('fraud guard blocked a destination prefix'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('"level":40');
    expect(warned[0]).not.toMatch(/4479111234/);

    const list = await ops.get('/v1/admin/fraud/blocks');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ enabled: true, blocks: [{ prefix: '447911', started: 13, verified: 0, conversion: 0 }] });
    expect((await f.api.get('/v1/admin/fraud/blocks')).body.error.code).toBe('ADMIN_REQUIRED');

    expect(await ops.request('DELETE', '/v1/admin/fraud/blocks/447911')).toMatchObject({ status: 200, body: { lifted: '447911' } });
    const [liftAlert] = await eventually(async () => (alertsOf('fraud_guard.unblocked').length ? alertsOf('fraud_guard.unblocked') : undefined), 'the lift alert');
    expect(liftAlert).toMatchObject({ verified: true, body: { data: { prefix: '447911', reason: 'lifted', until: expect.any(String) } } });
    expect(alerts.received.map((w) => w.type)).toEqual(['fraud_guard.blocked', 'fraud_guard.unblocked']);
    expect(f.engine.lines.some((l) => l.includes('fraud guard block lifted') && l.includes('"level":40'))).toBe(true);
    expect((await ops.request('DELETE', '/v1/admin/fraud/blocks/447911')).body.error.code).toBe('FRAUD_BLOCK_NOT_FOUND');
    expect((await ops.get('/v1/admin/fraud/blocks')).body.blocks).toEqual([]);
    expect((await qa.post('/v1/verifications', { to: '+447911123483', channel: 'sms' })).status).toBe(201);
  });

  it('alerts the operator when a block expires by itself', async () => {
    const before = alertsOf('fraud_guard.blocked').length;
    await pump(20);
    await f.advance(120_000);
    await eventually(async () => (alertsOf('fraud_guard.blocked').length > before ? true : undefined), 'the second block alert');
    // past blockSeconds on the engine's manual clock: the signature's timestamp is simulated time
    // (beyond the 5-minute tolerance of real time), so it is checked for its own timestamp
    alerts.ignoreTimestamp = true;
    await f.advance(901_000);
    const expired = await eventually(async () => alertsOf('fraud_guard.unblocked').find((w) => w.body.data.reason === 'expired'), 'the expiry alert');
    expect(expired).toMatchObject({ verified: true, body: { data: { prefix: '447911', reason: 'expired' } } });
    expect((await qa.post('/v1/verifications', { to: '+447911123499', channel: 'sms' })).status).toBe(201);
  });
});
