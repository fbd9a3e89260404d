import { ApiClient, eventually } from '../support/api-client';
import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';

/**
 * Flash calls and missed-call verification over HTTP against the real server and its simulator:
 * the simulator's demo flash range (+1202555XXXXXX) and one missed-call DID.
 */
const OTHER = { id: 'other', secret: 'other-secret-0123456789abcdef' };
const DID = '+12025550190';

describe('flash call and missed call (e2e)', () => {
  let f: Fixture;
  let other: ApiClient;
  beforeAll(async () => {
    f = await startFixture({
      config: {
        apiKeys: [
          { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, allowedCallerIds: ['+442037691880'] },
          { id: OTHER.id, secret: OTHER.secret },
        ],
        flashCall: { denyCountries: ['FR'] },
        missedCall: { numbers: [{ number: DID }] },
      },
    });
    // a second key verifying the same number (pool exhaustion)
    other = new ApiClient(f.engine.url, f.engine.auth(OTHER.id, OTHER.secret));
  });
  afterAll(async () => {
    await f.stop();
  });

  it('flashes a phone that rings: hangs up on the ringing event, the caller ID ends in the code, a check with those digits approves', async () => {
    const to = '+12025550111';
    const created = await f.api.post('/v1/verifications', { to, channel: 'flash_call', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    expect(created.body.flash_call).toEqual({ caller_id_prefix: '+120255500', code_length: 4 });
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the flash call to end');
    const attempt = done.attempts[0];
    expect(attempt).toMatchObject({ channel: 'flash_call', result: 'delivered', flash_outcome: 'rang', outcome: 'no-answer' });
    expect(attempt.caller_id).toMatch(/^\+120255500[0-9]{4}$/);
    expect(typeof attempt.ring_at).toBe('string');

    const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`);
    const call = calls.body.calls.at(-1);
    expect(call.callerId).toBe(attempt.caller_id);
    expect(call.events.map((e: any) => e.type)).toEqual(['dial', 'ringing', 'failed']);
    expect(call.events.some((e: any) => e.type === 'play')).toBe(false);

    const code = (attempt.caller_id as string).slice(-4);
    const wrong = String((Number(code[0]) + 1) % 10) + code.slice(1);
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: wrong })).body).toMatchObject({ verified: false });
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code })).body).toMatchObject({ verified: true, status: 'approved' });

    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.length >= 3 ? got : undefined;
    }, 'flash webhooks');
    expect(hooks.map((h) => h.type)).toEqual(['attempt.started', 'attempt.completed', 'verification.approved']);
    expect(hooks[1]!.body.data.attempt).toMatchObject({ channel: 'flash_call', flash_outcome: 'rang', caller_id: attempt.caller_id });
    expect(hooks[2]!.body.data.verification.flash_call).toEqual({ caller_id_prefix: '+120255500', code_length: 4 });
  });

  it('takes the whole calling number in a check, with or without +', async () => {
    const to = '+12025550121';
    const created = await f.api.post('/v1/verifications', { to, channel: 'flash_call', code_length: 6 });
    expect(created.body.flash_call).toEqual({ caller_id_prefix: '+1202555', code_length: 6 });
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the flash call to end');
    const callerId = done.attempts[0].caller_id as string;
    expect(callerId).toMatch(/^\+1202555[0-9]{6}$/);
    const other = `+1202555${String((Number(callerId.slice(-6)) + 1) % 1_000_000).padStart(6, '0')}`;
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: other })).body).toMatchObject({ verified: false });
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: callerId.slice(1) })).body).toMatchObject({ verified: true });
  });

  it('hangs up at once on a phone that answers and records answered; records busy', async () => {
    const answered = await f.api.post('/v1/verifications', { to: '+12025550125', channel: 'flash_call' });
    const a = await f.waitFor(answered.body.id, (v) => v.attempts[0]?.status === 'completed', 'the answered flash call');
    expect(a.attempts[0]).toMatchObject({ flash_outcome: 'answered', outcome: 'answered', result: 'delivered' });
    const calls = await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent('+12025550125')}`);
    expect(calls.body.calls.at(-1).events.some((e: any) => e.type === 'play')).toBe(false);

    const busy = await f.api.post('/v1/verifications', { to: '+12025550103', channel: 'flash_call' });
    const b = await f.waitFor(busy.body.id, (v) => v.status !== 'pending', 'the busy flash call');
    expect(b).toMatchObject({ status: 'failed', failure_reason: 'not-answered' });
    expect(b.attempts[0]).toMatchObject({ flash_outcome: 'busy', outcome: 'busy' });
  });

  it('refuses flash calls the policy excludes with stable 4xx codes', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ to: '+12025550131', channel: 'flash_call', code_length: 2 }, 400, 'CODE_LENGTH_INVALID'],
      [{ to: '+12025550131', channel: 'flash_call', code_length: 7 }, 400, 'CODE_LENGTH_INVALID'],
      [{ to: '+12025550131', channel: 'call', code_length: 3 }, 400, 'CODE_LENGTH_INVALID'],
      [{ to: '+442079460123', channel: 'flash_call' }, 403, 'NUMBER_TYPE_NOT_ALLOWED'],
      [{ to: '+33612345678', channel: 'flash_call' }, 403, 'COUNTRY_NOT_ALLOWED'],
      [{ to: '+12025550131', channel: 'flash_call', code: '1234' }, 400, 'REQUEST_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const res = await f.api.post('/v1/verifications', body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
  });

  it('verifies a user who calls the number shown, and the simulated phone hears busy', async () => {
    const to = '+12025550193';
    const created = await f.api.post('/v1/verifications', { to, channel: 'missed_call', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    expect(created.body.missed_call).toMatchObject({ call_to: DID, called_at: null, attestation: null });
    expect(created.body.missed_call.expires_at).toBe(created.body.expires_at);
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the user to call');
    expect(done.status).toBe('approved');
    expect(done.missed_call.called_at).toEqual(expect.any(String));
    const inbound = await f.api.get(`/v1/simulator/inbound?from=${encodeURIComponent(to)}`);
    expect(inbound.body.calls).toEqual([expect.objectContaining({ to: DID, rejected: 'busy' })]);
    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.some((h) => h.type === 'verification.approved') ? got : undefined;
    }, 'missed-call webhooks');
    expect(hooks.at(-1)!.body.data.verification.missed_call).toMatchObject({ call_to: DID });
    // the code of a missed-call verification is never checkable
    const check = await f.api.post(`/v1/verifications/${id}/check`, { code: '123456' });
    expect(check.body.error.code).toBe('VERIFY_ALREADY_APPROVED');
  });

  it('normalises a national caller number, rejects malformed and withheld callers without changing anything', async () => {
    const to = '+12025550114';
    const created = await f.api.post('/v1/verifications', { to, channel: 'missed_call' });
    const id = created.body.id as string;
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: '123456' })).body.error.code).toBe('VERIFY_CHECK_NOT_ALLOWED');
    const bad: Array<Record<string, unknown>> = [
      { from: 'anonymous', to: DID },
      { from: '+12025550114', to: DID, withheld: true },
      { from: '+1202555011a', to: DID },
      { from: '+12025550114;tag=abc', to: DID },
      { from: '+' + '1'.repeat(40), to: DID },
      { from: '+١٢٠٢٥٥٥٠١١٤', to: DID },
      { from: '+12025550115', to: DID },
      { from: '+12025550114', to: '+12025550199' },
    ];
    for (const body of bad) {
      const res = await f.api.post('/v1/simulator/inbound', body);
      expect({ body, status: res.status, rejected: res.body.call?.rejected }).toEqual({ body, status: 200, rejected: 'busy' });
      expect((await f.api.get(`/v1/verifications/${id}`)).body.status).toBe('pending');
    }
    const metrics = await fetch(`${f.engine.url}/metrics`).then((r) => r.text());
    for (const result of ['anonymous', 'malformed', 'no-match', 'not-ours']) expect(metrics).toMatch(new RegExp(`pbxverify_inbound_calls_total\\{result="${result}"\\} [1-9]`));

    const ok = await f.api.post('/v1/simulator/inbound', { from: '(202) 555-0114', to: DID, attestation: 'A' });
    expect(ok.body.call.rejected).toBe('busy');
    const done = await f.waitFor(id, (v) => v.status !== 'pending', 'the national call to verify');
    expect(done).toMatchObject({ status: 'approved', missed_call: { attestation: 'A' } });
  });

  it('refuses a missed-call verification while every number for the country is held for that number', async () => {
    const to = '+12025550116';
    const first = await f.api.post('/v1/verifications', { to, channel: 'missed_call' });
    expect(first.status).toBe(201);
    const second = await other.post('/v1/verifications', { to, channel: 'missed_call' });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'MISSED_CALL_POOL_EXHAUSTED' } } });
    // once the first one ends, its number is free again
    expect((await f.api.post(`/v1/verifications/${first.body.id}/cancel`, {})).status).toBe(200);
    const third = await other.post('/v1/verifications', { to, channel: 'missed_call' });
    expect(third).toMatchObject({ status: 201, body: { missed_call: { call_to: DID } } });
  });
});
