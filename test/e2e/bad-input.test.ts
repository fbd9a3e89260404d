import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';

/**
 * Bad input over HTTP: each refusal is a 4xx with a stable code, the server keeps running, and
 * nothing is stored or dialled. This engine does NOT allow loopback webhooks.
 */
describe('bad input (e2e)', () => {
  let f: Fixture;
  const to = '+12025550180';

  beforeAll(async () => {
    f = await startFixture({ allowLoopbackWebhooks: false });
  });
  afterAll(async () => {
    await f.stop();
  });

  async function startedTotal(): Promise<number> {
    const res = await fetch(`${f.engine.url}/metrics`);
    const text = await res.text();
    return [...text.matchAll(/^pbxverify_verifications_started_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  }

  const cases: Array<[string, unknown, number, string]> = [
    ['a missing number', { channel: 'call' }, 400, 'REQUEST_INVALID'],
    ['an unknown field', { to, channel: 'call', chanel: 'sms' }, 400, 'REQUEST_INVALID'],
    ['a number with spaces', { to: '+1 202 555 0180', channel: 'call' }, 400, 'NUMBER_NOT_E164'],
    ['a number without +', { to: '12025550180', channel: 'call' }, 400, 'NUMBER_NOT_E164'],
    ['a national number', { to: '0501234567', channel: 'call' }, 400, 'NUMBER_NOT_E164'],
    ['a dial-string injection', { to: '+12025550180@evil/PJSIP', channel: 'call' }, 400, 'NUMBER_NOT_E164'],
    ['a number that does not exist', { to: '+1202555', channel: 'call' }, 400, 'NUMBER_INVALID'],
    ['a number of an unassigned country code', { to: '+999123456789', channel: 'call' }, 400, 'NUMBER_INVALID'],
    ['a number as JSON number', { to: 12025550180, channel: 'call' }, 400, 'REQUEST_INVALID'],
    ['a code with letters', { to, channel: 'call', code: '12ab56' }, 400, 'CODE_INVALID_FORMAT'],
    ['a 21-digit code', { to, channel: 'call', code: '123456789012345678901' }, 400, 'CODE_LENGTH_INVALID'],
    ['a code length of 3', { to, channel: 'call', code_length: 3 }, 400, 'CODE_LENGTH_INVALID'],
    ['a code length of 11', { to, channel: 'call', code_length: 11 }, 400, 'CODE_LENGTH_INVALID'],
    ['an unknown language', { to, channel: 'call', lang: 'xx' }, 400, 'LANGUAGE_UNSUPPORTED'],
    ['a path as language', { to, channel: 'call', lang: '../../etc/passwd' }, 400, 'LANGUAGE_UNSUPPORTED'],
    ['an unknown channel', { to, channel: 'fax' }, 400, 'CHANNEL_UNSUPPORTED'],
    ['an unknown workflow', { to, workflow: 'carrier-pigeon' }, 400, 'WORKFLOW_UNKNOWN'],
    ['both channel and workflow', { to, channel: 'call', workflow: 'sms' }, 400, 'REQUEST_INVALID'],
    ['a caller ID that is not the key\'s', { to, channel: 'call', caller_id: '+15005550006' }, 403, 'CALLER_ID_NOT_ALLOWED'],
    ['an SMS template without {code}', { to, channel: 'sms', message_template: 'hello' }, 400, 'TEMPLATE_INVALID'],
    ['an over-long sender', { to, channel: 'sms', sender: 'ABCDEFGHIJKL' }, 400, 'REQUEST_INVALID'],
    // issue 11: accepted with 201 before, then refused by a real PBX (one grammar, src/lib/sms-text.ts)
    ['sender A&B', { to, channel: 'sms', sender: 'A&B' }, 400, 'REQUEST_INVALID'],
    ['sender -Shop', { to, channel: 'sms', sender: '-Shop' }, 400, 'REQUEST_INVALID'],
    ['sender .', { to, channel: 'sms', sender: '.' }, 400, 'REQUEST_INVALID'],
    ['a space as sender', { to, channel: 'sms', sender: ' ' }, 400, 'REQUEST_INVALID'],
    ['a NUL in the brand (Asterisk cut the SMS there)', { to, channel: 'sms', brand: 'Shop\u0000' }, 400, 'REQUEST_INVALID'],
    ['a newline in the template', { to, channel: 'sms', message_template: 'Your code:\n{code}' }, 400, 'TEMPLATE_INVALID'],
    ['a template too long once rendered', { to, channel: 'sms', message_template: `{code}${'{brand}'.repeat(60)}` }, 400, 'TEMPLATE_INVALID'],
    ['a template over 480 characters', { to, channel: 'sms', message_template: `{code}${'x'.repeat(480)}` }, 400, 'TEMPLATE_INVALID'],
    ['an expiry of 10 s', { to, channel: 'call', expiry_seconds: 10 }, 400, 'REQUEST_INVALID'],
    ['a callback on 127.0.0.1', { to, channel: 'call', callback_url: 'http://127.0.0.1:8080/hook' }, 400, 'CALLBACK_URL_FORBIDDEN'],
    ['a callback in 10.0.0.0/8', { to, channel: 'call', callback_url: 'http://10.20.30.40/hook' }, 400, 'CALLBACK_URL_FORBIDDEN'],
    ['a callback on the metadata service', { to, channel: 'call', callback_url: 'http://169.254.169.254/latest/meta-data/' }, 400, 'CALLBACK_URL_FORBIDDEN'],
    ['a callback on localhost', { to, channel: 'call', callback_url: 'http://localhost/hook' }, 400, 'CALLBACK_URL_FORBIDDEN'],
    ['a non-http callback', { to, channel: 'call', callback_url: 'file:///etc/passwd' }, 400, 'CALLBACK_URL_INVALID'],
  ];

  it.each(cases)('refuses %s', async (_label, body, status, code) => {
    const res = await f.api.post('/v1/verifications', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('refuses malformed JSON', async () => {
    const res = await f.api.post('/v1/verifications', '{"to": "+12025550180", ', { 'content-type': 'application/json' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'REQUEST_MALFORMED_JSON' } } });
  });

  it('refuses a 2 MB body', async () => {
    const res = await f.api.post('/v1/verifications', JSON.stringify({ to, channel: 'call', brand: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'REQUEST_TOO_LARGE' } } });
  });

  it('refuses a body that is not JSON', async () => {
    const res = await f.api.post('/v1/verifications', 'to=+12025550180', { 'content-type': 'text/plain' });
    expect(res).toMatchObject({ status: 415, body: { error: { code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('refuses a missing or wrong API key', async () => {
    const anonymous = f.api.withAuth(undefined);
    expect((await anonymous.post('/v1/verifications', { to, channel: 'call' })).body.error.code).toBe('AUTH_MISSING');
    const wrong = f.api.withAuth(f.engine.auth(KEY.id, 'not-the-secret-at-all'));
    const res = await wrong.post('/v1/verifications', { to, channel: 'call' });
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'AUTH_INVALID' } } });
    expect((await f.api.withAuth('Bearer shop').get('/v1/workflows')).status).toBe(401);
  });

  it('refuses a channel the key may not use', async () => {
    const qa = f.api.withAuth(f.engine.auth('qa', 'qa-secret-0123456789abcdef'));
    expect((await qa.post('/v1/verifications', { to, channel: 'call' })).body.error.code).toBe('CHANNEL_NOT_ALLOWED');
    expect((await qa.post('/v1/verifications', { to, channel: 'sms', code: '1234' })).body.error.code).toBe('CUSTOM_CODE_NOT_ALLOWED');
  });

  it('refuses a query number whose + was not URL-encoded (it decodes to a space), with the hint', async () => {
    for (const path of ['/v1/simulator/calls', '/v1/simulator/messages']) {
      const raw = await f.api.get(`${path}?to=+12025550100`);
      expect({ path, status: raw.status, error: raw.body.error }).toEqual({
        path,
        status: 400,
        error: { code: 'NUMBER_PLUS_NOT_ENCODED', message: expect.stringContaining('encode + as %2B'), details: expect.objectContaining({ field: 'to', hint: 'encode + as %2B' }) },
      });
      expect((await f.api.get(`${path}?to=%2B12025550100`)).status).toBe(200);
      expect((await f.api.get(`${path}?to=12025550100`)).body.error.code).toBe('NUMBER_NOT_E164');
    }
  });

  it('refuses bad checks with stable codes', async () => {
    const id = '0'.repeat(32);
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: '12a4' })).body.error.code).toBe('CODE_INVALID_FORMAT');
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: '1'.repeat(21) })).body.error.code).toBe('CODE_LENGTH_INVALID');
    expect((await f.api.post(`/v1/verifications/${id}/check`, { code: '1234' })).body.error.code).toBe('VERIFICATION_NOT_FOUND');
    expect((await f.api.post('/v1/verifications/not-an-id/check', { code: '1234' })).body.error.code).toBe('VERIFICATION_NOT_FOUND');
    expect((await f.api.post(`/v1/verifications/${id}/check`, {})).body.error.code).toBe('REQUEST_INVALID');
    expect((await f.api.post('/v1/verifications/check', { to: 'nope', code: '1234' })).body.error.code).toBe('NUMBER_NOT_E164');
    expect((await f.api.get('/v1/nothing-here')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('stored and dialled nothing for any of them, and still serves good requests', async () => {
    expect(await startedTotal()).toBe(0);
    const calls = await f.api.get('/v1/simulator/calls');
    expect(calls.body.calls).toEqual([]);
    const good = await f.api.post('/v1/verifications', { to, channel: 'call' });
    expect(good.status).toBe(201);
    expect(await startedTotal()).toBe(1);
    await f.api.post(`/v1/verifications/${good.body.id}/cancel`);
  });
});
