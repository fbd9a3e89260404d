import { eventually } from '../support/api-client';
import { KEY } from '../support/e2e-fixture';
import { CallbackReceiver, KEYS, SHOP, startCompatFixture, zadarmaRequest, type CompatFixture } from '../support/compat-fixture';

/**
 * Idempotency-Key on the compat endpoints that create (docs/compat.md): the first answer, in the
 * service's own format, is replayed to a retry; another request under the same key is refused in
 * that format. Numbers +1202555 01xx are exempt from the per-number flood limits.
 */
describe('Idempotency-Key on the compat endpoints (e2e)', () => {
  let f: CompatFixture;
  const callbacks = new CallbackReceiver();
  let hook: string;
  beforeAll(async () => {
    hook = `${await callbacks.start()}/verify.php`;
    f = await startCompatFixture();
  });
  afterAll(async () => {
    await f.stop();
    await callbacks.stop();
  });

  const form = (fields: Array<[string, string]>): string => new URLSearchParams(fields).toString();
  const urlencoded = (key: string) => ({ 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key });

  describe('99 Digital send (form bodies)', () => {
    const send = (body: RequestInit['body'], headers: Record<string, string>) => f.http('POST', '/compat/99digital/verify-sms/send', { body, headers });

    it('replays the first answer to the same fields in another order or encoding, and sends one SMS', async () => {
      const first = await send(form([['apiKey', SHOP], ['to', '+12025550170'], ['message', 'Code ##code##']]), urlencoded('99-170'));
      expect(first.json).toMatchObject({ status: 'OK', unique: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      const reordered = await send(form([['message', 'Code ##code##'], ['to', '+12025550170'], ['apiKey', SHOP]]), urlencoded('99-170'));
      expect(reordered.status).toBe(200);
      expect(reordered.text).toBe(first.text);
      expect(reordered.headers.get('idempotent-replayed')).toBe('true');

      // the same fields as multipart form-data (the seed's own format)
      const multipart = new FormData();
      multipart.append('to', '+12025550170');
      multipart.append('apiKey', SHOP);
      multipart.append('message', 'Code ##code##');
      const asMultipart = await send(multipart, { 'idempotency-key': '99-170' });
      expect(asMultipart.text).toBe(first.text);
      expect(asMultipart.headers.get('idempotent-replayed')).toBe('true');

      // a new send to the number would have replaced the first (99 Digital sends a new code)
      const messages = await eventually(async () => {
        const sent = await f.messagesTo('+12025550170');
        return sent.length > 0 ? sent : undefined;
      }, 'the SMS');
      expect(messages).toHaveLength(1);
      expect((await f.api.get(`/v1/verifications/${first.json.unique}`)).body.status).toBe('pending');
    });

    it('answers another body under the same key with FAIL and error IDEMPOTENCY_KEY_REUSED, sending nothing', async () => {
      await send(form([['apiKey', SHOP], ['to', '+12025550171']]), urlencoded('99-171'));
      const other = await send(form([['apiKey', SHOP], ['to', '+12025550172']]), urlencoded('99-171'));
      expect(other).toMatchObject({ status: 200, json: { status: 'FAIL', reason: 3, error: 'IDEMPOTENCY_KEY_REUSED' } });
      expect(await f.messagesTo('+12025550172')).toEqual([]);
    });

    it('refuses a bad Idempotency-Key with FAIL and error IDEMPOTENCY_KEY_INVALID', async () => {
      const bad = await send(form([['apiKey', SHOP], ['to', '+12025550173']]), urlencoded('x'.repeat(256)));
      expect(bad).toMatchObject({ status: 200, json: { status: 'FAIL', error: 'IDEMPOTENCY_KEY_INVALID' } });
      expect(await f.messagesTo('+12025550173')).toEqual([]);
    });

    it('authenticates before looking at the key: a wrong apiKey is refused, not replayed', async () => {
      await send(form([['apiKey', SHOP], ['to', '+12025550174']]), urlencoded('99-174'));
      const forged = await send(form([['apiKey', 'shop:not-the-secret'], ['to', '+12025550174']]), urlencoded('99-174'));
      expect(forged.json).toMatchObject({ status: 'FAIL', reason: 2, error: 'AUTH_INVALID' });
      expect(forged.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  describe('Vonage verify/json (GET query or POST form)', () => {
    const creds = { api_key: KEY.id, api_secret: KEY.secret };
    const get = (params: Record<string, string>, key: string) =>
      f.http('GET', `/compat/vonage/verify/json?${new URLSearchParams(params).toString()}`, { headers: { 'idempotency-key': key } });

    it('replays the request_id to a retry instead of answering status 10 (concurrent verification)', async () => {
      const first = await get({ ...creds, number: '12025550175', brand: 'Acme' }, 'vonage-175');
      expect(first.json).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/), status: '0' });
      const retry = await get({ brand: 'Acme', number: '12025550175', ...creds }, 'vonage-175');
      expect(retry.json).toEqual(first.json);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const fresh = await get({ ...creds, number: '12025550175', brand: 'Acme' }, 'vonage-175-b');
      expect(fresh.json).toMatchObject({ status: '10', request_id: first.json.request_id });
    });

    it('answers another request under the same key with status 3 naming the problem', async () => {
      await get({ ...creds, number: '12025550176', brand: 'Acme' }, 'vonage-176');
      const other = await get({ ...creds, number: '12025550176', brand: 'Other' }, 'vonage-176');
      expect(other.status).toBe(200);
      expect(other.json).toMatchObject({ status: '3', error_text: expect.stringContaining('Idempotency-Key') });
    });

    it('replays a trigger_next_event (control/json) instead of placing another call', async () => {
      const started = await get({ ...creds, number: '12025550177', brand: 'Acme', workflow_id: '4' }, 'vonage-177');
      const control = (key: string) =>
        f.http('POST', '/compat/vonage/verify/control/json', {
          body: form([['api_key', KEY.id], ['api_secret', KEY.secret], ['request_id', started.json.request_id], ['cmd', 'trigger_next_event']]),
          headers: urlencoded(key),
        });
      const next = await control('vonage-177-next');
      expect(next.json).toEqual({ status: '0', command: 'trigger_next_event' });
      const retry = await control('vonage-177-next');
      expect(retry.json).toEqual(next.json);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      // run again, it would have found no event left (workflow 4 is two SMS)
      expect((await control('vonage-177-again')).json).toMatchObject({ status: '19' });
    });
  });

  it('called.in reverse_verify (a GET) replays its bare 0 and answers another request under the key with 4', async () => {
    const query = (phone: string) => new URLSearchParams({ api_key: SHOP, phone_number: phone, country_code: '1', code: '3499', callback_url: hook }).toString();
    const call = (phone: string, key: string) => f.http('GET', `/compat/calledin/api/reverse_verify/?${query(phone)}`, { headers: { 'idempotency-key': key } });
    const first = await call('2025550178', 'calledin-178');
    expect(first).toMatchObject({ status: 200, text: '0' });
    const retry = await call('2025550178', 'calledin-178');
    expect(retry).toMatchObject({ status: 200, text: '0' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await call('2025550179', 'calledin-178')).toMatchObject({ status: 200, text: '4' });
  });

  it('keeps no limit refusal, though called.in answers it with HTTP 200: the retry runs anew', async () => {
    const tiny = `${KEYS.tiny.id}:${KEYS.tiny.secret}`;
    const call = (phone: string, key?: string) =>
      f.http('GET', `/compat/calledin/api/reverse_verify/?${new URLSearchParams({ api_key: tiny, phone_number: phone, country_code: '1', code: '12', callback_url: hook }).toString()}`, {
        headers: key === undefined ? {} : { 'idempotency-key': key },
      });
    expect((await call('2025550183')).text).toBe('0');
    const limited = await call('2025550184', 'calledin-184');
    expect(limited).toMatchObject({ status: 200, text: '2' });
    const again = await call('2025550184', 'calledin-184');
    expect(again.text).toBe('2');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    await f.advance(3_600_000);
    const later = await call('2025550184', 'calledin-184');
    expect(later.text).toBe('0');
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('Zadarma checknumber replays a signed request; iDenfy send-sms replays its request_id', async () => {
    const params = { caller_id: '442037691880', to: '12025550180', code: '1234' };
    const { query, authorization } = zadarmaRequest('/v1/request/checknumber/', params, KEY.id, KEY.secret);
    const zadarma = () => f.http('GET', `/compat/zadarma/v1/request/checknumber/?${query}`, { headers: { authorization, 'idempotency-key': 'zadarma-180' } });
    const first = await zadarma();
    expect(first.json).toMatchObject({ status: 'success', to: 12025550180 });
    const retry = await zadarma();
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    const basic = `Basic ${Buffer.from(SHOP).toString('base64')}`;
    const idenfy = (phone: string) =>
      f.http('POST', '/compat/idenfy/fraud/send-sms', {
        body: JSON.stringify({ phone_number: phone }),
        headers: { authorization: basic, 'content-type': 'application/json', 'idempotency-key': 'idenfy-181' },
      });
    const sent = await idenfy('+12025550181');
    expect(sent.json).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const again = await idenfy('+12025550181');
    expect(again.json).toEqual(sent.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await idenfy('+12025550182')).toMatchObject({ status: 422, json: { identifier: 'IDEMPOTENCY_KEY_REUSED' } });
  });
});
