import { eventually } from '../support/api-client';
import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';

/** A key with `replaceActive`: a new request for a pending number cancels the old one. */
describe('replacing a pending verification (e2e)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({
      config: {
        apiKeys: [{ id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, replaceActive: true }],
      },
    });
  });
  afterAll(async () => {
    await f.stop();
  });

  it('cancels the pending verification, tells its webhook, and the new one works', async () => {
    const to = '+12025550185';
    const first = await f.api.post('/v1/verifications', { to, channel: 'sms', callback_url: f.hookUrl });
    await f.waitFor(first.body.id, (v) => v.attempts[0]?.status === 'completed', 'the first SMS');
    const second = await f.api.post('/v1/verifications', { to, channel: 'sms' });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);

    const old = await f.api.get(`/v1/verifications/${first.body.id}`);
    expect(old.body.status).toBe('canceled');
    await eventually(async () => f.receiver.forVerification(first.body.id).find((h) => h.type === 'verification.canceled'), 'verification.canceled');

    await f.waitFor(second.body.id, (v) => v.attempts[0]?.status === 'completed', 'the second SMS');
    const sms = await f.lastSms(to);
    const code = /([0-9]{6})/.exec(sms)?.[1] as string;
    const check = await f.api.post('/v1/verifications/check', { to, code });
    expect(check.body).toMatchObject({ id: second.body.id, verified: true });
  });
});
