import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, startCompatFixture, type CompatFixture } from '../support/compat-fixture';

/**
 * The abuse controls through the native API of the real server: each refuses with its stable
 * code, is counted in /metrics, and nothing is dialled or texted (the simulator's logs stay
 * empty for the refused numbers). The numbers are outside the NANP fiction range 555-01xx, which is
 * exempt from the flood and velocity limits by default.
 */
describe('abuse controls (e2e)', () => {
  let f: CompatFixture;
  let dncFile: string;
  const THIRD = { id: 'third', secret: 'third-key-secret-0123456789' };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-abuse-'));
    dncFile = join(dir, 'do-not-call.txt');
    writeFileSync(dncFile, '+12025550203\n');
    f = await startCompatFixture({
      keys: [THIRD],
      config: {
        abuse: {
          doNotCall: { file: dncFile },
          velocity: { maxNumbers: 3 },
          breaker: { callsPerMinute: 4, openSeconds: 120 },
          voice: { denyCountries: ['001', 'FR'], denyPrefixes: ['+1206555099'] },
          sms: { denyCountries: ['001', 'DE'] },
        },
      },
    });
  });
  afterAll(async () => {
    await f.stop();
  });

  const start = (to: string, channel: 'call' | 'sms' | 'reverse' = 'sms', api = f.api) => api.post('/v1/verifications', { to, channel });
  async function expectRefusal(to: string, channel: 'call' | 'sms' | 'reverse', status: number, code: string, api = f.api): Promise<void> {
    const res = await start(to, channel, api);
    expect(res).toMatchObject({ status, body: { error: { code, message: expect.any(String) } } });
  }

  it('allows one verification per number per minute (NUMBER_FLOOD, 429)', async () => {
    const first = await start('+12025550201');
    expect(first.status).toBe(201);
    await expectRefusal('+12025550201', 'sms', 429, 'NUMBER_FLOOD');
    expect(await f.messagesTo('+12025550201')).toHaveLength(1);
    await f.api.post(`/v1/verifications/${first.body.id}/cancel`);
    await f.advance(60_000);
    expect((await start('+12025550201')).status).toBe(201);
  });

  it("refuses when the key's quota is used up (QUOTA_EXCEEDED, 429)", async () => {
    const tiny = f.api.withAuth(f.engine.auth(KEYS.tiny.id, KEYS.tiny.secret));
    expect((await start('+12025550175', 'sms', tiny)).status).toBe(201);
    await expectRefusal('+12025550176', 'sms', 429, 'QUOTA_EXCEEDED', tiny);
  });

  it('refuses numbers of the do-not-call file, and numbers added through the admin API until removed', async () => {
    await expectRefusal('+12025550203', 'call', 403, 'NUMBER_DO_NOT_CALL');
    const added = await f.api.post('/v1/admin/do-not-call', { numbers: ['+12025550202'] });
    expect(added).toMatchObject({ status: 200, body: { added: 1, count: 2 } });
    expect(readFileSync(dncFile, 'utf8')).toContain('+12025550202');
    expect((await f.api.get('/v1/admin/do-not-call?to=%2B12025550202')).body).toEqual({ to: '+12025550202', listed: true });
    // an unencoded + is a space in a query string: refused with the hint, not silently "not listed"
    expect(await f.api.get('/v1/admin/do-not-call?to=+12025550202')).toMatchObject({
      status: 400,
      body: { error: { code: 'NUMBER_PLUS_NOT_ENCODED', details: { field: 'to', hint: 'encode + as %2B' } } },
    });
    await expectRefusal('+12025550202', 'sms', 403, 'NUMBER_DO_NOT_CALL');
    const removed = await f.api.request('DELETE', '/v1/admin/do-not-call', { numbers: ['+12025550202'] });
    expect(removed).toMatchObject({ status: 200, body: { removed: 1, count: 1 } });
    expect((await start('+12025550202')).status).toBe(201);
    const notAdmin = f.api.withAuth(f.engine.auth(KEYS.tiny.id, KEYS.tiny.secret));
    expect((await notAdmin.get('/v1/admin/do-not-call')).body.error.code).toBe('ADMIN_REQUIRED');
  });

  it('applies the country and area-code lists of voice and SMS separately', async () => {
    await expectRefusal('+33612345678', 'call', 403, 'COUNTRY_NOT_ALLOWED');
    await expectRefusal('+33612345678', 'reverse', 403, 'COUNTRY_NOT_ALLOWED');
    await expectRefusal('+4915112345678', 'sms', 403, 'COUNTRY_NOT_ALLOWED');
    await expectRefusal('+12065550990', 'call', 403, 'AREA_CODE_NOT_ALLOWED');
    // the other channel's lists allow them
    const sms = await start('+33612345678', 'sms');
    expect(sms.status).toBe(201);
    await f.api.post(`/v1/verifications/${sms.body.id}/cancel`);
    expect((await start('+12065550990', 'sms')).status).toBe(201);
  });

  it('refuses premium-rate, shared-cost and non-geographic numbers', async () => {
    await expectRefusal('+19005551234', 'call', 403, 'NUMBER_TYPE_NOT_ALLOWED');
    await expectRefusal('+33810123456', 'sms', 403, 'NUMBER_TYPE_NOT_ALLOWED');
    await expectRefusal('+881612345678', 'sms', 403, 'COUNTRY_NOT_ALLOWED');
  });

  it('refuses a fourth different number of one range within minutes (RANGE_VELOCITY, 429)', async () => {
    for (const to of ['+13125553001', '+13125553002', '+13125553003']) expect((await start(to)).status).toBe(201);
    await expectRefusal('+13125553004', 'sms', 429, 'RANGE_VELOCITY');
  });

  it('refuses a disabled key (KEY_DISABLED, 403)', async () => {
    await expectRefusal('+12025550177', 'sms', 403, 'KEY_DISABLED', f.api.withAuth(f.engine.auth(KEYS.disabled.id, KEYS.disabled.secret)));
  });

  it('opens the call breaker above the engine-wide call rate (CIRCUIT_OPEN, 503) while SMS still flows', async () => {
    await f.advance(60_000); // a fresh one-minute window
    // one key may place half of the rate (abuse.breaker.perKeyShare): two keys fill it
    const other = f.api.withAuth(f.engine.auth(KEYS.noCustom.id, KEYS.noCustom.secret));
    for (const [to, api] of [['+12025550180', f.api], ['+12025550181', f.api], ['+12025550182', other], ['+12025550183', other]] as const) {
      const res = await start(to, 'call', api);
      expect(res.status).toBe(201);
      await api.post(`/v1/verifications/${res.body.id}/cancel`);
    }
    await expectRefusal('+12025550184', 'call', 503, 'CIRCUIT_OPEN', f.api.withAuth(f.engine.auth(THIRD.id, THIRD.secret)));
    await f.advance(60_000);
    await expectRefusal('+12025550185', 'reverse', 503, 'CIRCUIT_OPEN');
    expect((await start('+12025550186', 'sms')).status).toBe(201);
  });

  it('counted every refusal in /metrics and dialled or texted none of the refused numbers', async () => {
    for (const code of ['NUMBER_FLOOD', 'QUOTA_EXCEEDED', 'NUMBER_DO_NOT_CALL', 'COUNTRY_NOT_ALLOWED', 'AREA_CODE_NOT_ALLOWED', 'NUMBER_TYPE_NOT_ALLOWED', 'RANGE_VELOCITY', 'KEY_DISABLED', 'CIRCUIT_OPEN']) {
      expect(await f.refusals(code)).toBeGreaterThan(0);
    }
    const neverServed = ['+12025550176', '+12025550203', '+4915112345678', '+19005551234', '+33810123456', '+881612345678', '+13125553004', '+12025550177', '+12025550184', '+12025550185'];
    for (const to of neverServed) {
      expect(await f.callsTo(to)).toEqual([]);
      expect(await f.messagesTo(to)).toEqual([]);
    }
  });
});
