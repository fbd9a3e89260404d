import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { newKeySecret, ZADARMA_SECRET_LENGTH } from '../../src/cli/keys';
import { eventually } from '../support/api-client';
import { codeIn, KEY } from '../support/e2e-fixture';
import { CallbackReceiver, KEYS, SHOP, startCompatFixture, zadarmaRequest, type CompatFixture } from '../support/compat-fixture';

/** A key for Zadarma's npm client: a 20-character secret, as `pbxverify keys new zd --zadarma` makes. */
const ZD = { id: 'zd', secret: newKeySecret(ZADARMA_SECRET_LENGTH), allowCustomCode: true, allowedCallerIds: ['+442037691880'] };

/**
 * What the npm package `zadarma` (1.1.x, gravitymir/zadarma index.js) sends for
 * `api({api_method, params})`: parameters sorted, no `format` added, the same HMAC-SHA1 scheme,
 * and a signature only when the secret is exactly 20 characters (else it logs an error and
 * sends nothing): undefined then.
 */
function zadarmaNpmRequest(method: string, params: Record<string, string>, key: string, secret: string): { query: string; authorization: string } | undefined {
  if (secret.length !== 20) return undefined;
  const query = Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k] as string)}`)
    .join('&');
  const md5 = createHash('md5').update(query).digest('hex');
  const sign = Buffer.from(createHmac('sha1', secret).update(method + query + md5).digest('hex')).toString('base64');
  return { query, authorization: `${key}:${sign}` };
}

/**
 * Each seed's documented example request, replayed against the real server with only the host
 * and keys changed (or with exactly the changes docs/compat.md lists for it), and the documented
 * response shapes checked; then the verification it started is followed through the simulator.
 * (called.in and Vonage have files of their own for the rest of their behaviour.)
 */
describe('compat endpoints replay the seed examples (e2e)', () => {
  let f: CompatFixture;
  beforeAll(async () => {
    f = await startCompatFixture({ keys: [ZD] });
  });
  afterAll(async () => {
    await f.stop();
  });

  describe('Zadarma request/checknumber (seed 000)', () => {
    const example = { caller_id: '442037691880', to: '442037691881', code: '1234567890', lang: 'fr' };

    it('answers the PHP example ($api->call, a signed GET) with status success and calls to speak the code in French', async () => {
      const { query, authorization } = zadarmaRequest('/v1/request/checknumber/', example, KEY.id, KEY.secret);
      const res = await f.http('GET', `/compat/zadarma/v1/request/checknumber/?${query}`, { headers: { authorization } });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'success', from: 442037691880, to: 442037691881, lang: 'fr', time: expect.any(Number) });
      const calls = await eventuallyCalls(f, '+442037691881');
      expect(calls[0].lang).toBe('fr');
      expect(await f.heardCode('+442037691881')).toBe('1234567890');
    });

    it('accepts the same request as a signed POST form (the Python client) and refuses bad ones Zadarma-style', async () => {
      await f.advance(60_000); // the per-number flood limit: one call a minute
      const { query, authorization } = zadarmaRequest('/v1/request/checknumber/', example, KEY.id, KEY.secret);
      const post = await f.http('POST', '/compat/zadarma/v1/request/checknumber/', {
        body: query,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(post.json).toMatchObject({ status: 'success', to: 442037691881 });

      const forged = zadarmaRequest('/v1/request/checknumber/', example, KEY.id, 'not-the-secret-at-all');
      const bad = await f.http('GET', `/compat/zadarma/v1/request/checknumber/?${forged.query}`, { headers: { authorization: forged.authorization } });
      expect(bad).toMatchObject({ status: 401, json: { status: 'error', message: 'Not authorized' } });

      const notOurs = zadarmaRequest('/v1/request/checknumber/', { ...example, caller_id: '442037691999', to: '442037691882' }, KEY.id, KEY.secret);
      const callerId = await f.http('GET', `/compat/zadarma/v1/request/checknumber/?${notOurs.query}`, { headers: { authorization: notOurs.authorization } });
      expect(callerId).toMatchObject({ status: 400, json: { status: 'error' } });

      const long = zadarmaRequest('/v1/request/checknumber/', { ...example, to: '442037691883', code: '1'.repeat(21) }, KEY.id, KEY.secret);
      const tooLong = await f.http('GET', `/compat/zadarma/v1/request/checknumber/?${long.query}`, { headers: { authorization: long.authorization } });
      expect(tooLong).toMatchObject({ status: 400, json: { status: 'error', message: 'Wrong code: at most 20 digits' } });
      expect(await f.callsTo('+442037691882')).toEqual([]);
      expect(await f.callsTo('+442037691883')).toEqual([]);
    });

    it("works from Zadarma's npm client with a 20-character key secret (the only length it signs with)", async () => {
      expect(zadarmaNpmRequest('/v1/request/checknumber/', example, KEY.id, KEY.secret)).toBeUndefined(); // 28 characters: it would not even send
      const npm = zadarmaNpmRequest('/v1/request/checknumber/', { ...example, to: '442037691884' }, ZD.id, ZD.secret);
      expect(npm).toBeDefined();
      const res = await f.http('GET', `/compat/zadarma/v1/request/checknumber/?${npm?.query}`, { headers: { authorization: npm?.authorization as string } });
      expect(res).toMatchObject({ status: 200, json: { status: 'success', from: 442037691880, to: 442037691884, lang: 'fr' } });
      await eventuallyCalls(f, '+442037691884');
      expect(await f.heardCode('+442037691884')).toBe('1234567890');
    });
  });

  describe('99 Digital Verify SMS (seed 001)', () => {
    const send = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return f.http('POST', '/compat/99digital/verify-sms/send', { body: form });
    };
    const check = (fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return f.http('POST', '/compat/99digital/verify-sms/check', { body: form });
    };

    it("refuses the seed's example number 0501234567 (050-1 is not an allocated Israeli range) with FAIL", async () => {
      const res = await send({ apiKey: SHOP, from: 'MyShop', to: '0501234567', message: 'Your code: ##code##' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'FAIL', reason: 3, error: 'NUMBER_INVALID', timestamp: expect.any(Number) });
      expect(await f.messagesTo('+972501234567')).toEqual([]);
    });

    it('needs the key\'s defaultCountry for national numbers such as the seed\'s (FAIL, reason 3, without it)', async () => {
      const noCountry = `${KEYS.noCustom.id}:${KEYS.noCustom.secret}`;
      expect((await send({ apiKey: noCountry, to: '0502345670' })).json).toMatchObject({ status: 'FAIL', reason: 3, error: 'NUMBER_NOT_E164' });
      expect((await send({ apiKey: noCountry, to: '+972502345670' })).json).toMatchObject({ status: 'OK', reason: 1 });
    });

    it('sends with the documented form-data fields to an allocated national number and checks it once', async () => {
      const res = await send({ apiKey: SHOP, from: 'MyShop', to: '0502345678', message: 'MyShop: your code is ##code##, enjoy' });
      expect(res.json).toEqual({ status: 'OK', unique: expect.stringMatching(/^[0-9a-f]{32}$/), timestamp: expect.any(Number), from: 'MyShop', reason: 1 });
      const [sms] = await eventuallyMessages(f, '+972502345678');
      expect(sms.from).toBe('MyShop');
      expect(sms.body).toMatch(/^MyShop: your code is [0-9]{6}, enjoy$/);
      const code = codeIn(sms.body as string);
      expect((await check({ apiKey: SHOP, to: '0502345678', code: code === '000000' ? '111111' : '000000' })).json).toEqual({ status: 0, phone: '0502345678' });
      expect((await check({ apiKey: SHOP, to: '0502345678', code })).json).toEqual({ status: 1, phone: '0502345678' });
      expect((await check({ apiKey: SHOP, to: '0502345678', code })).json).toMatchObject({ status: 2, phone: '0502345678' });
    });

    it('uses the default message, accepts urlencoded bodies, and expires codes after 10 minutes', async () => {
      const res = await f.http('POST', '/compat/99digital/verify-sms/send', {
        body: new URLSearchParams({ apiKey: SHOP, to: '0505123456' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.json).toMatchObject({ status: 'OK', reason: 1 });
      const [sms] = await eventuallyMessages(f, '+972505123456');
      expect(sms.body).toMatch(/^Your verification code is: [0-9]{6}$/);
      await f.advance(600_001);
      expect((await check({ apiKey: SHOP, to: '0505123456', code: codeIn(sms.body as string) })).json).toMatchObject({ status: 3 });
    });

    it('answers FAIL with a reason for a bad key, a missing number and a message without ##code##', async () => {
      expect((await send({ apiKey: 'shop:wrong-secret', to: '0509123456' })).json).toMatchObject({ status: 'FAIL', reason: 2, error: 'AUTH_INVALID' });
      expect((await send({ apiKey: SHOP })).json).toMatchObject({ status: 'FAIL', reason: 3, error: 'REQUEST_INVALID' });
      expect((await send({ apiKey: SHOP, to: '0509123456', message: 'no code here' })).json).toMatchObject({ status: 'FAIL', reason: 3, error: 'TEMPLATE_INVALID' });
      expect((await send({ apiKey: SHOP, to: '0509123456', from: 'TwelveLetter' })).json).toMatchObject({ status: 'FAIL', reason: 3 });
      expect((await check({ apiKey: SHOP, to: '0509123456', code: '123456' })).json).toMatchObject({ status: 5, phone: '0509123456' });
      expect(await f.messagesTo('+972509123456')).toEqual([]);
    });
  });

  describe('called.in reverse_verify (seed 002): the PHP sample', () => {
    const callbacks = new CallbackReceiver();
    let site: string;
    beforeAll(async () => {
      site = await callbacks.start();
    });
    afterAll(async () => {
      await callbacks.stop();
    });
    /** The sample's request, built as its file_get_contents() line builds it (nothing encoded). */
    const sample = (phone: string, callbackUrl: string) =>
      fetch(
        `${f.engine.url}/compat/calledin/api/reverse_verify/?api_key=${SHOP}&phone_number=${phone}&country_code=1&code=3499&callback_url=${callbackUrl}&secret=WeBuildThisCityOnRockAndRoll`,
      ).then((r) => r.text());

    it("answers 7 for the sample's own number 5551234444: 555 is not an area code, and numbers are validated as a carrier would", async () => {
      expect(await sample('5551234444', `${site}/verify.php`)).toBe('7');
      expect(await f.callsTo('+15551234444')).toEqual([]);
    });

    it('works with a real number and a callback URL the engine can reach, the two changes docs/compat.md lists', async () => {
      expect(await sample('2025550180', `${site}/verify.php`)).toBe('0');
      const cb = await callbacks.forPhone('2025550180');
      expect(cb).toMatchObject({ method: 'GET', path: '/verify.php' });
      expect(cb.query).toEqual({ phone_number: '2025550180', country_code: '1', secret: 'WeBuildThisCityOnRockAndRoll', match: '1', answered: '1', reason: '' });
    });

    it('answers 4 for a callback URL the engine cannot reach (a host that does not resolve)', async () => {
      expect(await sample('2025550181', 'http://mysite.invalid/verify.php')).toBe('4');
    });
  });

  describe('Vonage Verify (seed 004): the send-verification-code.sh line', () => {
    it('runs with the host changed and curl\'s stray `GET` argument dropped', async () => {
      const line = 'curl GET "https://api.nexmo.com/verify/json?api_key=$VONAGE_API_KEY&api_secret=$VONAGE_API_SECRET&number=$VERIFY_NUMBER&brand=AcmeInc"'
        .replace('https://api.nexmo.com/verify', `${f.engine.url}/compat/vonage/verify`)
        .replace('curl GET ', 'curl -sS ');
      const env = { PATH: process.env.PATH ?? '', VONAGE_API_KEY: KEY.id, VONAGE_API_SECRET: KEY.secret, VERIFY_NUMBER: '12025550182' };
      const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('sh', ['-c', line], { env });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (c) => resolve({ code: c, stdout: out }));
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/), status: '0' });
      expect((await eventuallyMessages(f, '+12025550182'))[0].body).toMatch(/AcmeInc/);
    });
  });

  describe('iDenfy phone verification (seed 003)', () => {
    const basic = `Basic ${Buffer.from(SHOP).toString('base64')}`;
    const post = (path: string, body: unknown, authorization = basic) =>
      f.http('POST', `/compat/idenfy/fraud/${path}`, { body: JSON.stringify(body), headers: { authorization, 'content-type': 'application/json' } });

    it('sends the example request, texts "The Sender code: NNNN. Valid for 5 minutes." and verifies the code once', async () => {
      const sent = await post('send-sms', { phone_number: '+12025550163', sender_name: 'The Sender' });
      expect(sent.status).toBe(200);
      expect(sent.json).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      const [sms] = await eventuallyMessages(f, '+12025550163');
      // one sender grammar with both PBXs (issue 11): no spaces in the SIP From
      expect(sms.from).toBe('TheSender');
      expect(sms.body).toMatch(/^The Sender code: [0-9]{4}\. Valid for 5 minutes\.$/);
      const code = codeIn(sms.body as string);
      expect((await post('verify-sms', { request_id: sent.json.request_id, received_code: code })).json).toEqual({ is_verified: true });
      expect((await post('verify-sms', { request_id: sent.json.request_id, received_code: code })).json).toEqual({ is_verified: false });
    });

    it('escalates: after 2 minutes a call with the same code, then a call with a new code valid 5 minutes', async () => {
      const to = '+12025550164';
      const sent = await post('send-sms', { phone_number: to });
      const id = sent.json.request_id as string;
      const [sms] = await eventuallyMessages(f, to);
      const smsCode = codeIn(sms.body as string);
      await f.advance(120_000);
      await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the first call');
      expect(await f.heardCode(to)).toBe(smsCode);
      await f.advance(180_000);
      const third = await f.waitFor(id, (v) => v.attempts[2]?.status === 'completed', 'the second call');
      const newCode = await f.heardCode(to);
      expect(newCode).toMatch(/^[0-9]{4}$/);
      expect(newCode).not.toBe(smsCode);
      expect(Date.parse(third.code_expires_at) - Date.parse(third.attempts[2].started_at)).toBe(300_000);
      expect((await post('verify-sms', { request_id: id, received_code: smsCode })).json).toEqual({ is_verified: false });
      expect((await post('verify-sms', { request_id: id, received_code: newCode })).json).toEqual({ is_verified: true });
    });

    it('answers is_verified false after too many wrong codes, even for the right one', async () => {
      const to = '+12025550165';
      const id = (await post('send-sms', { phone_number: to })).json.request_id as string;
      const [sms] = await eventuallyMessages(f, to);
      const code = codeIn(sms.body as string);
      const wrong = code === '0000' ? '1111' : '0000';
      for (let i = 0; i < 5; i++) expect((await post('verify-sms', { request_id: id, received_code: wrong })).json).toEqual({ is_verified: false });
      expect((await post('verify-sms', { request_id: id, received_code: code })).json).toEqual({ is_verified: false });
    });

    it("refuses bad requests with iDenfy's {identifier, message} errors", async () => {
      expect(await post('send-sms', { phone_number: '+12025550166' }, `Basic ${Buffer.from('shop:nope').toString('base64')}`)).toMatchObject({
        status: 401,
        json: { identifier: 'UNAUTHORIZED' },
      });
      expect(await post('send-sms', {})).toMatchObject({ status: 400, json: { identifier: 'MISSING_VALUE' } });
      expect(await post('send-sms', { phone_number: '12025550166' })).toMatchObject({ status: 400, json: { identifier: 'BAD_VALUE' } });
      expect(await post('send-sms', { phone_number: '+12025550166', sender_name: 'Twelve chars' })).toMatchObject({ status: 400 });
      expect(await post('verify-sms', { request_id: 'short', received_code: '1234' })).toMatchObject({ status: 400 });
      expect(await post('verify-sms', { request_id: '0'.repeat(32), received_code: '123456' })).toMatchObject({ status: 400, json: { identifier: 'BAD_VALUE' } });
      expect((await post('verify-sms', { request_id: '0'.repeat(32), received_code: '1234' })).json).toEqual({ is_verified: false });
      expect(await f.messagesTo('+12025550166')).toEqual([]);
    });
  });
});

/** The calls to a number once the latest has ended. */
function eventuallyCalls(f: CompatFixture, to: string): Promise<any[]> {
  return eventually(async () => {
    const calls = await f.callsTo(to);
    return calls.at(-1)?.events.some((e: any) => e.type === 'ended') ? calls : undefined;
  }, `a finished call to ${to}`);
}

/** The SMS sent to a number once there is one. */
function eventuallyMessages(f: CompatFixture, to: string): Promise<any[]> {
  return eventually(async () => {
    const messages = await f.messagesTo(to);
    return messages.length > 0 ? messages : undefined;
  }, `an SMS to ${to}`);
}
