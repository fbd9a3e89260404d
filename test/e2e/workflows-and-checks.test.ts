import { eventually } from '../support/api-client';
import { codeIn, startFixture, type Fixture } from '../support/e2e-fixture';

/** Escalating workflows, expiry and check rules, with the engine's manual clock (no real waiting). */
describe('workflows, expiry and checks (e2e)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.stop();
  });

  it('escalates sms-call-call: SMS, the same code by call after 2 min, a new code by call after 5 min', async () => {
    const to = '+12025550170';
    const created = await f.api.post('/v1/verifications', { to, workflow: 'sms-call-call', code_length: 10, callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(Date.parse(created.body.expires_at) - Date.parse(created.body.created_at)).toBe(600_000);

    const step1 = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(step1.attempts).toHaveLength(1);
    expect(step1.attempts[0]).toMatchObject({ channel: 'sms', result: 'delivered' });
    const smsCode = codeIn(await f.lastSms(to));
    expect(smsCode).toHaveLength(10);
    expect(await f.lastSms(to)).toContain('Acme');

    await f.advance(119_000);
    expect((await f.api.get(`/v1/verifications/${id}`)).body.attempts).toHaveLength(1);
    await f.advance(1_000);
    const step2 = await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the first call');
    expect(step2.attempts[1]).toMatchObject({ n: 2, channel: 'call', result: 'delivered' });
    expect(await f.heardCode(to)).toBe(smsCode);

    await f.advance(180_000);
    const step3 = await f.waitFor(id, (v) => v.attempts[2]?.status === 'completed', 'the second call');
    expect(step3.attempts[2]).toMatchObject({ n: 3, channel: 'call', result: 'delivered' });
    const newCode = await f.heardCode(to);
    expect(newCode).toHaveLength(10);
    expect(newCode).not.toBe(smsCode);
    expect(Date.parse(step3.code_expires_at) - Date.parse(step3.attempts[2].started_at)).toBe(300_000);

    const old = await f.api.post(`/v1/verifications/${id}/check`, { code: smsCode });
    expect(old.body).toMatchObject({ verified: false, status: 'pending' });
    const ok = await f.api.post(`/v1/verifications/${id}/check`, { code: newCode });
    expect(ok.body).toMatchObject({ verified: true, status: 'approved' });

    const types = await eventually(async () => {
      const got = f.receiver.forVerification(id).map((h) => h.type);
      return got.includes('verification.approved') ? got : undefined;
    }, 'all webhooks');
    expect(types).toEqual([
      'attempt.started',
      'attempt.completed',
      'attempt.started',
      'attempt.completed',
      'attempt.started',
      'attempt.completed',
      'verification.approved',
    ]);
  });

  it('stops the workflow as soon as the verification is approved', async () => {
    const to = '+12025550171';
    const created = await f.api.post('/v1/verifications', { to, workflow: 'sms-call-call' });
    const id = created.body.id as string;
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = codeIn(await f.lastSms(to));
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code })).body.verified).toBe(true);
    await f.advance(600_000);
    const after = await f.api.get(`/v1/verifications/${id}`);
    expect(after.body).toMatchObject({ status: 'approved', next_step_at: null });
    expect(after.body.attempts).toHaveLength(1);
    const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`);
    expect(calls.body.calls).toHaveLength(0);
  });

  it('runs the next step at once on `next`, and refuses when no step is left', async () => {
    const to = '+12025550172';
    const created = await f.api.post('/v1/verifications', { to, workflow: 'sms-call-call' });
    const id = created.body.id as string;
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const moved = await f.api.post(`/v1/verifications/${id}/next`);
    expect(moved.status).toBe(200);
    await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the call');
    await f.api.post(`/v1/verifications/${id}/next`);
    await f.waitFor(id, (v) => v.attempts[2]?.status === 'completed', 'the second call');
    const none = await f.api.post(`/v1/verifications/${id}/next`);
    expect(none).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_NO_NEXT_STEP' } } });
    await f.api.post(`/v1/verifications/${id}/cancel`);
  });

  it('expires a verification nobody confirmed, and says so on check', async () => {
    const to = '+12025550173';
    const created = await f.api.post('/v1/verifications', { to, channel: 'sms', expiry_seconds: 120, callback_url: f.hookUrl });
    const id = created.body.id as string;
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = codeIn(await f.lastSms(to));
    await f.advance(120_001);
    const expired = await f.waitFor(id, (v) => v.status === 'expired', 'expiry');
    expect(expired.ended_at).not.toBeNull();
    const check = await f.api.post(`/v1/verifications/${id}/check`, { code });
    expect(check).toMatchObject({ status: 410, body: { error: { code: 'VERIFY_EXPIRED' } } });
    await eventually(async () => f.receiver.forVerification(id).find((h) => h.type === 'verification.expired'), 'verification.expired');
  });

  it('fails after five wrong codes and then refuses even the right one', async () => {
    const to = '+12025550174';
    const created = await f.api.post('/v1/verifications', { to, channel: 'sms', callback_url: f.hookUrl });
    const id = created.body.id as string;
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = codeIn(await f.lastSms(to));
    const wrong = code === '000000' ? '111111' : '000000';
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) remaining.push((await f.api.post(`/v1/verifications/${id}/check`, { code: wrong })).body.attempts_remaining);
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expect((await f.api.get(`/v1/verifications/${id}`)).body.status).toBe('failed');
    const right = await f.api.post(`/v1/verifications/${id}/check`, { code });
    expect(right).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_TOO_MANY_ATTEMPTS', details: { status: 'failed', reason: 'too-many-wrong-codes' } } } });
    // a finished state, not a rate limit: cancel and next answer the same 409 (they answered 429, issue 11)
    for (const action of ['cancel', 'next']) {
      const answer = await f.api.post(`/v1/verifications/${id}/${action}`);
      expect({ action, status: answer.status, code: answer.body.error.code }).toEqual({ action, status: 409, code: 'VERIFY_TOO_MANY_ATTEMPTS' });
    }
    await eventually(async () => f.receiver.forVerification(id).find((h) => h.type === 'verification.failed'), 'verification.failed');
  });

  it('checks by phone number, once', async () => {
    const to = '+12025550175';
    const created = await f.api.post('/v1/verifications', { to, channel: 'sms', message_template: '{brand}: use {code} to sign in' });
    await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const sms = await f.lastSms(to);
    expect(sms).toMatch(/^Acme: use [0-9]{6} to sign in$/);
    const code = codeIn(sms);
    const first = await f.api.post('/v1/verifications/check', { to, code });
    expect(first.body).toMatchObject({ id: created.body.id, verified: true, status: 'approved' });
    const second = await f.api.post('/v1/verifications/check', { to, code });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_ALREADY_APPROVED' } } });
    const unknown = await f.api.post('/v1/verifications/check', { to: '+12025550199', code });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'VERIFICATION_NOT_FOUND' } } });
  });

  it('refuses an API check of a keypad code, which the website itself shows', async () => {
    const created = await f.api.post('/v1/verifications', { to: '+12025550102', channel: 'reverse' });
    const check = await f.api.post(`/v1/verifications/${created.body.id}/check`, { code: created.body.code });
    expect(check).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_CHECK_NOT_ALLOWED' } } });
    await f.api.post(`/v1/verifications/${created.body.id}/cancel`);
  });

  it('uses a caller-supplied code when the key allows it', async () => {
    const to = '+12025550176';
    const created = await f.api.post('/v1/verifications', { to, channel: 'call', code: '12345678901234567890', caller_id: '442037691880' });
    expect(created.status).toBe(201);
    await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call');
    expect(await f.heardCode(to)).toBe('12345678901234567890');
    const ok = await f.api.post(`/v1/verifications/${created.body.id}/check`, { code: '12345678901234567890' });
    expect(ok.body.verified).toBe(true);
  });

  it('never writes a number, code or keyed digits in clear to its logs', async () => {
    const logs = f.engine.lines.join('\n');
    expect(logs).toContain('verification started');
    expect(logs).toContain('"dest":"+12025****76"');
    expect(logs).not.toContain('12345678901234567890');
    expect(logs).not.toMatch(/\+?1?20255501\d\d/);
  });

  it("keeps each key's verifications to itself", async () => {
    const created = await f.api.post('/v1/verifications', { to: '+12025550177', channel: 'sms' });
    const other = f.api.withAuth(f.engine.auth('qa', 'qa-secret-0123456789abcdef'));
    const seen = await other.get(`/v1/verifications/${created.body.id}`);
    expect(seen).toMatchObject({ status: 404, body: { error: { code: 'VERIFICATION_NOT_FOUND' } } });
    expect((await other.post(`/v1/verifications/${created.body.id}/cancel`)).status).toBe(404);
    await f.api.post(`/v1/verifications/${created.body.id}/cancel`);
  });
});
