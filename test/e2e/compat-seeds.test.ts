import { eventually } from '../support/api-client';
import { codeIn, KEY } from '../support/e2e-fixture';
import { SHOP, startCompatFixture, zadarmaRequest, type CompatFixture } from '../support/compat-fixture';

/**
 * Each seed's documented example request, replayed against the real server with only the host
 * and keys changed, and the documented response shapes checked; then the verification it
 * started is followed through the simulator. (called.in and Vonage have files of their own.)
 */
describe('compat endpoints replay the seed examples (e2e)', () => {
  let f: CompatFixture;
  beforeAll(async () => {
    f = await startCompatFixture();
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
