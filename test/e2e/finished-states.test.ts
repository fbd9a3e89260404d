import { eventually } from '../support/api-client';
import { codeIn, startFixture, type Fixture } from '../support/e2e-fixture';

/**
 * Issue 11, items 9 and 10, over HTTP against the real server and its simulator test numbers
 * (README "Simulator test numbers"): a verification whose last possible step failed ends at once
 * as `failed` with its reason and webhook, and every finished state answers check, cancel and
 * next alike with a 409 (410 once expired), never a 429.
 */
describe('failed steps and finished verifications (e2e)', () => {
  const BUSY = '+12025550103';
  const NO_ANSWER = '+12025550104';
  const UNREACHABLE = '+12025550106';
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.stop();
  });

  async function start(body: Record<string, unknown>): Promise<string> {
    const created = await f.api.post('/v1/verifications', { callback_url: f.hookUrl, ...body });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  async function failedHook(id: string): Promise<any> {
    return eventually(async () => f.receiver.forVerification(id).find((h) => h.type === 'verification.failed'), 'verification.failed');
  }

  it.each([
    ['a one-step call to a busy number', { to: BUSY, channel: 'call' }, 'not-answered', { channel: 'call', outcome: 'busy', reason_code: 5 }],
    ['a reverse call nobody answers', { to: NO_ANSWER, channel: 'reverse' }, 'not-answered', { channel: 'reverse', outcome: 'no-answer', reason_code: 3 }],
    ['an SMS to a number that does not exist', { to: UNREACHABLE, channel: 'sms' }, 'send-failed', { channel: 'sms', result: 'send-failed' }],
  ])('fails %s at once, with its reason and the verification.failed webhook', async (_label, body, reason, attempt) => {
    const id = await start(body);
    // no clock advance: the end comes from the failed step, not from the expiry
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the verification to end');
    expect(done).toMatchObject({ status: 'failed', failure_reason: reason, next_step_at: null });
    expect(done.ended_at).not.toBeNull();
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ status: 'completed', result: reason, ...attempt });
    const hook = await failedHook(id);
    expect(hook.verified).toBe(true);
    expect(hook.body.data.verification).toMatchObject({ id, status: 'failed', failure_reason: reason });
    expect(f.receiver.forVerification(id).map((h) => h.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.failed']);
  });

  it('keeps a multi-step workflow pending while a step can still run, and fails it when `next` ran the last one', async () => {
    const id = await start({ to: BUSY, workflow: 'tts-tts' });
    // the first call is busy…
    const first = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the first call');
    expect(first).toMatchObject({ status: 'pending', failure_reason: null });
    expect(first.next_step_at).not.toBeNull();
    // …and so is the second, run now by `next`
    const moved = await f.api.post(`/v1/verifications/${id}/next`);
    expect(moved.status).toBe(200);
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the second call');
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'not-answered' });
    expect(done.attempts.map((a: any) => a.outcome)).toEqual(['busy', 'busy']);
    await failedHook(id);
    expect(await f.api.post(`/v1/verifications/${id}/next`)).toMatchObject({ status: 409, body: { error: { code: 'VERIFY_FAILED' } } });
  });

  it('keeps it pending when an SMS delivered the code still in force, however the last call went', async () => {
    const id = await start({ to: BUSY, workflow: 'sms-tts' });
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = codeIn(await f.lastSms(BUSY));
    await f.advance(300_000);
    const after = await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the call');
    expect(after.attempts[1]).toMatchObject({ channel: 'call', result: 'not-answered', outcome: 'busy' });
    expect(after).toMatchObject({ status: 'pending', failure_reason: null });
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code })).body).toMatchObject({ verified: true, status: 'approved' });
  });

  it('fails sms-call-call when the last call, which carried a new code, was busy', async () => {
    const id = await start({ to: BUSY, workflow: 'sms-call-call' });
    await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    await f.advance(120_000);
    const second = await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the first call');
    expect(second.status).toBe('pending');
    await f.advance(180_000);
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the second call');
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'not-answered' });
    expect(done.attempts.map((a: any) => a.result)).toEqual(['delivered', 'not-answered', 'not-answered']);
    await failedHook(id);
  });

  it('answers check, cancel and next on every finished state with one code, 409 (410 expired), never 429', async () => {
    const states: Record<string, string> = {};
    // approved
    states.approved = await start({ to: '+12025550182', channel: 'sms' });
    await f.waitFor(states.approved, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const code = codeIn(await f.lastSms('+12025550182'));
    expect((await f.api.post(`/v1/verifications/${states.approved}/check`, { code })).body.status).toBe('approved');
    // failed by wrong codes
    states.wrongCodes = await start({ to: '+12025550183', channel: 'sms' });
    await f.waitFor(states.wrongCodes, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    const wrong = codeIn(await f.lastSms('+12025550183')) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await f.api.post(`/v1/verifications/${states.wrongCodes}/check`, { code: wrong });
    // failed by its last step
    states.lastStep = await start({ to: BUSY, channel: 'call' });
    await f.waitFor(states.lastStep, (v) => v.status === 'failed', 'the busy call');
    // canceled
    states.canceled = await start({ to: '+12025550184', channel: 'sms' });
    expect((await f.api.post(`/v1/verifications/${states.canceled}/cancel`)).status).toBe(200);
    // expired
    states.expired = await start({ to: '+12025550185', channel: 'sms', expiry_seconds: 60 });
    await f.waitFor(states.expired, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    await f.advance(60_001);
    await f.waitFor(states.expired, (v) => v.status === 'expired', 'the expiry');

    const expected: Record<string, [number, string]> = {
      approved: [409, 'VERIFY_ALREADY_APPROVED'],
      wrongCodes: [409, 'VERIFY_TOO_MANY_ATTEMPTS'],
      lastStep: [409, 'VERIFY_FAILED'],
      canceled: [409, 'VERIFY_CANCELED'],
      expired: [410, 'VERIFY_EXPIRED'],
    };
    const seen: Record<string, Array<[number, string]>> = {};
    for (const [state, id] of Object.entries(states)) {
      const answers = [
        await f.api.post(`/v1/verifications/${id}/check`, { code: '123456' }),
        await f.api.post(`/v1/verifications/${id}/cancel`),
        await f.api.post(`/v1/verifications/${id}/next`),
      ];
      seen[state] = answers.map((a) => [a.status, a.body.error?.code]);
    }
    expect(seen).toEqual(Object.fromEntries(Object.entries(expected).map(([state, answer]) => [state, [answer, answer, answer]])));
  });
});
