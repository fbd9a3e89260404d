import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/api-client';
import { codeIn, KEY } from '../support/e2e-fixture';
import { KEYS, startCompatFixture, type CompatFixture } from '../support/compat-fixture';

/**
 * Vonage Verify v1 (seed 004) against the real server: the seed's curl example, every status
 * code the adapter answers, and Vonage's pin_expiry / next_event_wait rules with the test clock.
 */
describe('Vonage Verify (e2e)', () => {
  let f: CompatFixture;
  const creds = { api_key: KEY.id, api_secret: KEY.secret };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-vonage-'));
    const dnc = join(dir, 'dnc.txt');
    writeFileSync(dnc, '+12025550191\n');
    f = await startCompatFixture({ config: { abuse: { doNotCall: { file: dnc }, voice: { denyCountries: ['001', 'FR'] }, sms: { denyCountries: ['001', 'FR'] } } } });
  });
  afterAll(async () => {
    await f.stop();
  });

  const get = async (path: string, params: Record<string, string | string[]>) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
    const res = await f.http('GET', `/compat/vonage/verify/${path}?${query.toString()}`);
    expect(res.status).toBe(200);
    return res.json;
  };
  const start = (params: Record<string, string>) => get('json', { ...creds, brand: 'AcmeInc', ...params });
  const check = (id: string, code: string) => get('check/json', { ...creds, request_id: id, code });
  const control = (id: string, cmd: string) => get('control/json', { ...creds, request_id: id, cmd });
  const lastSms = (to: string) =>
    eventually(async () => {
      const messages = await f.messagesTo(to);
      return messages.at(-1)?.body as string | undefined;
    }, `an SMS to ${to}`);

  it('answers status 3 with the hint for a number whose + was not URL-encoded (the query made it a space)', async () => {
    const res = await f.http('GET', `/compat/vonage/verify/json?api_key=${KEY.id}&api_secret=${KEY.secret}&brand=AcmeInc&number=+12025550159`);
    expect(res.json).toMatchObject({ status: '3', error_text: expect.stringContaining('encode + as %2B') });
  });

  it("answers the seed's curl example (GET verify/json with api_key, api_secret, number, brand) and checks the PIN", async () => {
    const res = await get('json', { ...creds, number: '12025550150', brand: 'AcmeInc' });
    expect(res).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/), status: '0' });
    const sms = await lastSms('+12025550150');
    expect(sms).toContain('AcmeInc');
    const pin = codeIn(sms);
    expect(pin).toHaveLength(4);
    expect(await check(res.request_id, pin)).toMatchObject({
      request_id: res.request_id,
      event_id: `${res.request_id}-1`,
      status: '0',
      price: expect.any(String),
      currency: 'EUR',
    });
    expect(await check(res.request_id, pin)).toMatchObject({ status: '6' });
    const found = await get('search/json', { ...creds, request_id: res.request_id });
    expect(found).toMatchObject({ request_id: res.request_id, account_id: KEY.id, number: '12025550150', status: 'SUCCESS', events: [{ type: 'sms' }] });
    expect(found.date_submitted).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('accepts POST as a form or JSON, with code_length 6 and a TTS workflow in the requested language', async () => {
    const form = await f.http('POST', '/compat/vonage/verify/json', {
      body: new URLSearchParams({ ...creds, number: '12025550151', brand: 'AcmeInc', code_length: '6', workflow_id: '6' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.json).toMatchObject({ status: '0' });
    expect(codeIn(await lastSms('+12025550151'))).toHaveLength(6);
    const json = await f.http('POST', '/compat/vonage/verify/json', {
      body: JSON.stringify({ ...creds, number: '12025550152', brand: 'AcmeInc', workflow_id: 7, lg: 'de-de' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.json).toMatchObject({ status: '0' });
    const call = await eventually(async () => (await f.callsTo('+12025550152')).at(-1), 'the TTS call');
    expect(call.lang).toBe('de');
  });

  it('says the same PIN while it lives and a new one once pin_expiry passed (240 s / next_event_wait 120 s)', async () => {
    const to = '+12025550153';
    const { request_id: id } = await start({ number: to.slice(1), pin_expiry: '240', next_event_wait: '120' });
    const first = codeIn(await lastSms(to));
    await f.advance(120_000);
    await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the first TTS call');
    expect(await f.heardCode(to)).toBe(first);
    await f.advance(120_000);
    await f.waitFor(id, (v) => v.attempts[2]?.status === 'completed', 'the second TTS call');
    const second = await f.heardCode(to);
    expect(second).not.toBe(first);
    expect(await check(id, first)).toMatchObject({ status: '16' });
    expect(await check(id, second)).toMatchObject({ status: '0' });
  });

  it('with default timings: SMS, TTS after 125 s with the same PIN, TTS after 180 s more with a new PIN', async () => {
    const to = '+12025550154';
    const { request_id: id } = await start({ number: to.slice(1) });
    const first = codeIn(await lastSms(to));
    await f.advance(124_000);
    expect((await f.api.get(`/v1/verifications/${id}`)).body.attempts).toHaveLength(1);
    await f.advance(1_000);
    await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the first TTS call');
    expect(await f.heardCode(to)).toBe(first);
    await f.advance(180_000);
    await f.waitFor(id, (v) => v.attempts[2]?.status === 'completed', 'the second TTS call');
    expect(await f.heardCode(to)).not.toBe(first);
    expect(await control(id, 'cancel')).toEqual({ status: '0', command: 'cancel' });
  });

  it('triggers the next event at once, then answers 19 when none is left; cancels, then answers 6', async () => {
    const to = '+12025550155';
    const { request_id: id } = await start({ number: to.slice(1), workflow_id: '4' });
    const first = codeIn(await lastSms(to));
    expect(await control(id, 'trigger_next_event')).toEqual({ status: '0', command: 'trigger_next_event' });
    await f.waitFor(id, (v) => v.attempts[1]?.status === 'completed', 'the second SMS');
    expect(codeIn(await lastSms(to))).toBe(first);
    expect(await control(id, 'trigger_next_event')).toMatchObject({ status: '19', error_text: expect.any(String) });
    expect(await control(id, 'cancel')).toEqual({ status: '0', command: 'cancel' });
    expect(await control(id, 'cancel')).toMatchObject({ status: '6' });
    expect(await control(id, 'pause')).toMatchObject({ status: '3' });
    expect(await get('search/json', { ...creds, request_id: id })).toMatchObject({ status: 'CANCELLED' });
  });

  it('answers 16 for a wrong code, 17 at the third, and 17 even for the right one afterwards', async () => {
    const to = '+12025550156';
    const { request_id: id } = await start({ number: to.slice(1), workflow_id: '6' });
    const pin = codeIn(await lastSms(to));
    const wrong = pin === '0000' ? '1111' : '0000';
    expect(await check(id, wrong)).toMatchObject({ request_id: id, status: '16', error_text: expect.any(String) });
    expect(await check(id, wrong)).toMatchObject({ status: '16' });
    expect(await check(id, wrong)).toMatchObject({ status: '17' });
    expect(await check(id, pin)).toMatchObject({ status: '17' });
    expect(await get('search/json', { ...creds, request_id: id })).toMatchObject({ status: 'FAILED' });
  });

  it('answers 10 with the pending request_id for a second request to the same number', async () => {
    const first = await start({ number: '12025550157', workflow_id: '6' });
    expect(await start({ number: '12025550157', workflow_id: '6' })).toMatchObject({ status: '10', request_id: first.request_id });
  });

  it('answers 1 (throttled) for a second request to a number within a minute', async () => {
    const first = await start({ number: '12025550270', workflow_id: '6' });
    await control(first.request_id, 'cancel');
    expect(await start({ number: '12025550270', workflow_id: '6' })).toMatchObject({ status: '1', error_text: 'Throttled' });
  });

  it.each([
    ['number', { number: '' }],
    ['brand', { brand: '' }],
  ])('answers 2 when %s is missing', async (name, over) => {
    const res = await start({ number: '12025550158', ...over });
    expect(res).toMatchObject({ status: '2' });
    expect(res.error_text).toContain(name);
  });

  it('answers 2 without credentials and 4 with a wrong secret', async () => {
    expect(await get('json', { number: '12025550158', brand: 'AcmeInc' })).toMatchObject({ status: '2', error_text: expect.stringContaining('api_key') });
    expect(await get('json', { api_key: KEY.id, api_secret: 'not-the-secret', number: '12025550158', brand: 'AcmeInc' })).toMatchObject({ status: '4' });
  });

  it.each([
    ['workflow_id 8', { workflow_id: '8' }],
    ['code_length 5', { code_length: '5' }],
    ['pin_expiry 30', { pin_expiry: '30' }],
    ['next_event_wait 1000', { next_event_wait: '1000' }],
    ['a 19-character brand', { brand: 'B'.repeat(19) }],
    ['a number with letters', { number: '1202555O158' }],
    ['an unknown language', { lg: 'xx-xx' }],
    ['a restricted network type', { require_type: 'Mobile' }],
  ])('answers 3 for %s', async (_label, over) => {
    expect(await start({ number: '12025550158', ...over })).toMatchObject({ status: '3', error_text: expect.any(String) });
  });

  it('answers 6 when the key may not use a workflow channel, 8 for a disabled key, 9 when the quota is used up', async () => {
    const as = (k: { id: string; secret: string }) => ({ api_key: k.id, api_secret: k.secret, brand: 'AcmeInc' });
    expect(await get('json', { ...as(KEYS.smsOnly), number: '12025550159', workflow_id: '7' })).toMatchObject({ status: '6' });
    expect(await get('json', { ...as(KEYS.disabled), number: '12025550159' })).toMatchObject({ status: '8' });
    expect(await get('json', { ...as(KEYS.tiny), number: '12025550159', workflow_id: '6' })).toMatchObject({ status: '0' });
    expect(await get('json', { ...as(KEYS.tiny), number: '12025550160', workflow_id: '6' })).toMatchObject({ status: '9' });
  });

  it('answers 7 for a number on the do-not-call list and 15 for refused destinations', async () => {
    expect(await start({ number: '12025550191' })).toMatchObject({ status: '7' });
    expect(await start({ number: '33612345678' })).toMatchObject({ status: '15' });
    expect(await start({ number: '612345678', country: 'FR' })).toMatchObject({ status: '15' });
    expect(await start({ number: '19005551234' })).toMatchObject({ status: '15' });
  });

  it('answers 20 for pin_code from a key without custom codes, and sends the pin_code of a key that has them', async () => {
    expect(await get('json', { api_key: KEYS.noCustom.id, api_secret: KEYS.noCustom.secret, number: '12025550161', brand: 'AcmeInc', pin_code: '4711' })).toMatchObject({
      status: '20',
    });
    const ok = await start({ number: '12025550161', pin_code: '4711', workflow_id: '6' });
    expect(ok).toMatchObject({ status: '0' });
    expect(codeIn(await lastSms('+12025550161'))).toBe('4711');
    expect(await check(ok.request_id, '4711')).toMatchObject({ status: '0' });
  });

  it('searches several request_ids at once, answers 18 above ten and 101 for unknown ones', async () => {
    const a = await start({ number: '12025550162', workflow_id: '6' });
    const b = await start({ number: '12025550167', workflow_id: '6' });
    const both = await get('search/json', { ...creds, request_ids: [a.request_id, b.request_id] });
    expect(both.verification_requests.map((r: any) => r.request_id).sort()).toEqual([a.request_id, b.request_id].sort());
    expect(await get('search/json', { ...creds, request_ids: Array.from({ length: 11 }, () => a.request_id) })).toMatchObject({ status: '18' });
    expect(await get('search/json', { ...creds, request_id: '0'.repeat(32) })).toMatchObject({ status: '101' });
    expect(await check('0'.repeat(32), '1234')).toMatchObject({ status: '6' });
  });

  it('dialled and texted none of the refused numbers', async () => {
    for (const to of ['+12025550158', '+12025550191', '+33612345678', '+19005551234', '+12025550160']) {
      expect(await f.callsTo(to)).toEqual([]);
      expect(await f.messagesTo(to)).toEqual([]);
    }
    expect(await f.refusals('VERIFICATION_ACTIVE_EXISTS')).toBeGreaterThan(0);
    expect(await f.refusals('NUMBER_DO_NOT_CALL')).toBeGreaterThan(0);
  });
});
