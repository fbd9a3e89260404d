import { eventually } from '../support/api-client';
import { startFixture, type Fixture } from '../support/e2e-fixture';

/** Voice and reverse verification over HTTP against the real server and its simulator PBX. */
describe('voice and reverse verification (e2e)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.stop();
  });

  it('calls, speaks the code, refuses a wrong code, approves the right one, and signs every webhook', async () => {
    const to = '+12025550100';
    const created = await f.api.post('/v1/verifications', { to, channel: 'call', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', to, channel: 'call', workflow: 'call', lang: 'en', attempts: [] });
    expect(created.body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.code).toBeUndefined();
    const id = created.body.id as string;

    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts[0]).toMatchObject({ n: 1, channel: 'call', result: 'delivered', outcome: 'answered', reason_code: null });

    const code = await f.heardCode(to);
    expect(code).toMatch(/^[0-9]{6}$/);
    const wrong = String((Number(code[0]) + 1) % 10) + code.slice(1);

    const miss = await f.api.post(`/v1/verifications/${id}/check`, { code: wrong });
    expect(miss).toMatchObject({ status: 200, body: { id, status: 'pending', verified: false, attempts_remaining: 4 } });
    const hit = await f.api.post(`/v1/verifications/${id}/check`, { code });
    expect(hit).toMatchObject({ status: 200, body: { id, status: 'approved', verified: true } });
    const again = await f.api.post(`/v1/verifications/${id}/check`, { code });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_ALREADY_APPROVED' } } });

    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.length >= 3 ? got : undefined;
    }, 'three webhooks');
    expect(hooks.map((h) => h.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.approved']);
    expect(hooks.every((h) => h.verified)).toBe(true);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(3);
    expect(hooks[1]!.body.data.attempt).toMatchObject({ channel: 'call', outcome: 'answered', result: 'delivered', reason_code: null });
    expect(hooks[2]!.body.data.verification).toMatchObject({ id, status: 'approved' });
    expect(JSON.stringify(hooks)).not.toContain(code);
  });

  it('approves a reverse verification from the digits the callee types', async () => {
    const to = '+12025550164';
    const created = await f.api.post('/v1/verifications', { to, channel: 'reverse', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^[0-9]{6}$/);
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the reverse call to end');
    expect(done.status).toBe('approved');
    expect(done.attempts[0]).toMatchObject({ channel: 'reverse', result: 'matched', matched: true, outcome: 'answered' });

    const check = await f.api.post(`/v1/verifications/${id}/check`, { code: created.body.code });
    expect(check.body.error.code).toBe('VERIFY_ALREADY_APPROVED');
    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.length >= 3 ? got : undefined;
    }, 'reverse webhooks');
    expect(hooks.map((h) => h.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.approved']);
    expect(hooks[1]!.body.data.attempt).toMatchObject({ matched: true });
  });

  it('fails a reverse verification after three wrong tries on the keypad', async () => {
    const to = '+12025550101';
    const created = await f.api.post('/v1/verifications', { to, channel: 'reverse', callback_url: f.hookUrl });
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the reverse call to end');
    expect(done.status).toBe('failed');
    expect(done.attempts[0]).toMatchObject({ result: 'mismatch', matched: false, outcome: 'answered' });

    const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`);
    const prompts = calls.body.calls.at(-1).events.filter((e: any) => e.type === 'play' && e.item.prompt).map((e: any) => e.item.prompt);
    expect(prompts.filter((p: string) => p === 'wrong-code')).toHaveLength(2);
    expect(prompts).toContain('too-many-attempts');

    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.length >= 3 ? got : undefined;
    }, 'reverse failure webhooks');
    expect(hooks.map((h) => h.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.failed']);
    expect(hooks[1]!.body.data.attempt).toMatchObject({ matched: false });
  });

  it('asks a silent callee three times and reports no input', async () => {
    const to = '+12025550102';
    const created = await f.api.post('/v1/verifications', { to, channel: 'reverse' });
    const done = await f.waitFor(created.body.id, (v) => v.status !== 'pending', 'the reverse call to end');
    expect(done.status).toBe('failed');
    expect(done.attempts[0]).toMatchObject({ result: 'no-input', matched: false });
  });

  it.each([
    ['busy', '+12025550103', 'busy', 5, 17],
    ['no answer', '+12025550104', 'no-answer', 3, 19],
    ['rejected', '+12025550105', 'rejected', 1, 21],
    ['unreachable', '+12025550106', 'unreachable', 0, 1],
    ['congestion', '+12025550107', 'congestion', 8, 34],
  ])('reports %s (%s) as outcome %s with reason code %d in the status and the webhook, and fails the one-step call', async (_label, to, outcome, reason, q850) => {
    const created = await f.api.post('/v1/verifications', { to, channel: 'call', callback_url: f.hookUrl });
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the call attempt to end');
    // its only step could not deliver the code: failed at once, not pending until expiry (issue 11)
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'not-answered' });
    expect(done.attempts[0]).toMatchObject({ result: 'not-answered', outcome, reason_code: reason, cause: { q850 } });
    const completed = await eventually(async () => f.receiver.forVerification(id).find((h) => h.type === 'attempt.completed'), 'attempt.completed');
    expect(completed.verified).toBe(true);
    expect(completed.body.data.attempt).toMatchObject({ outcome, reason_code: reason });
    await eventually(async () => f.receiver.forVerification(id).find((h) => h.type === 'verification.failed'), 'verification.failed');
  });

  it('reports a callee who hangs up during the prompt, and leaves it pending (they may have heard the code)', async () => {
    const created = await f.api.post('/v1/verifications', { to: '+12025550108', channel: 'call' });
    const done = await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to end');
    expect(done.attempts[0]).toMatchObject({ result: 'hung-up-during-prompt', outcome: 'answered' });
    expect(done.status).toBe('pending');
    await f.api.post(`/v1/verifications/${created.body.id}/cancel`);
  });

  it('hangs up a call in progress when the verification is canceled', async () => {
    const to = '+12025550165';
    const created = await f.api.post('/v1/verifications', { to, channel: 'call', callback_url: f.hookUrl });
    const id = created.body.id as string;
    await eventually(async () => {
      const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`);
      return calls.body.calls.at(-1)?.events.some((e: any) => e.type === 'answered') ? true : undefined;
    }, 'the callee to answer');
    const canceled = await f.api.post(`/v1/verifications/${id}/cancel`);
    expect(canceled).toMatchObject({ status: 200, body: { id, status: 'canceled' } });

    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the attempt to stop');
    expect(done.attempts[0].result).toBe('aborted');
    const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`);
    const events = calls.body.calls.at(-1).events;
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'local' });
    expect(events.filter((e: any) => e.type === 'play' && e.item.prompt === 'goodbye')).toHaveLength(0);

    const again = await f.api.post(`/v1/verifications/${id}/cancel`);
    expect(again.body.error.code).toBe('VERIFY_CANCELED');
    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.some((h) => h.type === 'verification.canceled') ? got : undefined;
    }, 'verification.canceled');
    expect(hooks.every((h) => h.verified)).toBe(true);
  });

  it('refuses a second verification for a number while one is pending', async () => {
    const to = '+12025550166';
    const first = await f.api.post('/v1/verifications', { to, channel: 'sms' });
    const second = await f.api.post('/v1/verifications', { to, channel: 'sms' });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'VERIFICATION_ACTIVE_EXISTS', details: { id: first.body.id } } } });
    await f.api.post(`/v1/verifications/${first.body.id}/cancel`);
    const third = await f.api.post('/v1/verifications', { to, channel: 'sms' });
    expect(third.status).toBe(201);
  });
});
