import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { CallbackReceiver, KEYS, SHOP, startCompatFixture, type CompatFixture } from '../support/compat-fixture';
import { KEY } from '../support/e2e-fixture';

/**
 * called.in reverse_verify (seed 002) against the real server: every return code 0–8, the
 * reverse call through the simulator, and the GET callback with match / answered / reason.
 */
describe('called.in reverse_verify (e2e)', () => {
  let f: CompatFixture;
  const callbacks = new CallbackReceiver();
  let hook: string;
  const secret = 'WeBuildThisCityOnRockAndRoll';

  beforeAll(async () => {
    hook = `${await callbacks.start()}/verify.php`;
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-calledin-'));
    const dnc = join(dir, 'do-not-call.txt');
    writeFileSync(dnc, '# numbers that asked never to be called\n+12025550190\n');
    f = await startCompatFixture({ config: { abuse: { doNotCall: { file: dnc }, voice: { denyCountries: ['001', 'FR'] } } } });
  });
  afterAll(async () => {
    await f.stop();
    await callbacks.stop();
  });

  /** The seed's PHP client: file_get_contents("$api_url?api_key=…&phone_number=…&…"). */
  async function reverseVerify(params: Record<string, string>): Promise<{ status: number; text: string; type: string | null }> {
    const query = Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const res = await fetch(`${f.engine.url}/compat/calledin/api/reverse_verify/?${query}`);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  }
  const request = (over: Record<string, string> = {}) =>
    reverseVerify({ api_key: SHOP, phone_number: '2025550163', country_code: '1', code: '3499', callback_url: hook, secret, ...over });

  /**
   * A receiver's check, with the Standard Webhooks reference library computing the signature
   * (its `verify()` would also JSON.parse the payload, which a GET callback does not have).
   */
  function verifies(content: string, headers: Record<string, string>): boolean {
    const expected = new Webhook(KEY.webhookSecret).sign(headers['webhook-id'] as string, new Date(Number(headers['webhook-timestamp']) * 1000), content);
    return (headers['webhook-signature'] ?? '').split(' ').includes(expected);
  }

  it("answers the seed's example request with a bare 0, calls, and calls back with match=1", async () => {
    const res = await request();
    expect(res).toMatchObject({ status: 200, text: '0' });
    expect(res.type).toMatch(/^text\/plain/);
    const cb = await callbacks.forPhone('2025550163');
    expect(cb.method).toBe('GET');
    expect(cb.path).toBe('/verify.php');
    expect(cb.query).toEqual({ phone_number: '2025550163', country_code: '1', secret, match: '1', answered: '1', reason: '' });
    const calls = await f.callsTo('+12025550163');
    expect(calls).toHaveLength(1);
    expect(calls[0].events.filter((e: any) => e.type === 'dtmf').map((e: any) => e.digit).join('')).toContain('3499');
  });

  it('signs the callback over its method, full URL and body: a receiver verifies it, and a changed query fails', async () => {
    expect((await request({ phone_number: '2025550164' })).text).toBe('0');
    const cb = await callbacks.forPhone('2025550164');
    expect(cb.query).toMatchObject({ match: '1', answered: '1' });
    // what the receiver knows: the origin of the callback_url it gave, and the request as received
    const url = `${new URL(hook).origin}${cb.target}`;
    expect(verifies(`GET ${url}\n`, cb.headers)).toBe(true);
    for (const forged of [url.replace('match=1', 'match=0'), url.replace('answered=1', 'answered=0'), url.replace(`secret=${secret}`, 'secret=guess'), `${url}&match=0`]) {
      expect(forged).not.toBe(url);
      expect(verifies(`GET ${forged}\n`, cb.headers)).toBe(false);
    }
    expect(verifies(`POST ${url}\n`, cb.headers)).toBe(false);
    // the signature no longer stands for the empty body alone
    expect(verifies('', cb.headers)).toBe(false);
  });

  it('calls back match=0 when the callee types another code, with an empty secret when none was given', async () => {
    expect((await request({ phone_number: '2025550101', secret: '' })).text).toBe('0');
    const cb = await callbacks.forPhone('2025550101');
    expect(cb.query).toMatchObject({ match: '0', answered: '1', secret: '' });
  });

  it.each([
    ['busy', '2025550103', '5'],
    ['ring timeout', '2025550104', '3'],
    ['hung up (rejected)', '2025550105', '1'],
    ['failed (unreachable)', '2025550106', '0'],
    ['congestion', '2025550107', '8'],
  ])('calls back answered=0 reason for %s', async (_label, phone, reason) => {
    expect((await request({ phone_number: phone })).text).toBe('0');
    const cb = await callbacks.forPhone(phone);
    expect(cb.query).toEqual({ phone_number: phone, country_code: '1', secret, match: '0', answered: '0', reason });
  });

  it('answers 1 for a missing or invalid api_key', async () => {
    expect((await request({ api_key: 'shop:not-the-secret' })).text).toBe('1');
    expect((await request({ api_key: 'nonsense' })).text).toBe('1');
    expect((await reverseVerify({ phone_number: '2025550170', country_code: '1', code: '1234', callback_url: hook })).text).toBe('1');
  });

  it('answers 2 when the key has no credits left (quota)', async () => {
    const tiny = `${KEYS.tiny.id}:${KEYS.tiny.secret}`;
    expect((await request({ api_key: tiny, phone_number: '2025550171' })).text).toBe('0');
    expect((await request({ api_key: tiny, phone_number: '2025550172' })).text).toBe('2');
  });

  it('answers 3 for a number on the do-not-call list', async () => {
    expect((await request({ phone_number: '2025550190' })).text).toBe('3');
  });

  it.each([
    ['no callback_url', { callback_url: '' }],
    ['a 7-digit code', { code: '1234567' }],
    ['a code with letters', { code: '12ab' }],
    ['a secret over 30 characters', { secret: 'x'.repeat(31) }],
    ['a callback into a private network', { callback_url: 'http://10.20.30.40/cb' }],
    ['a callback to the metadata service', { callback_url: 'http://169.254.169.254/latest' }],
    ['a caller ID that is not the key\'s', { caller_id: '2025550000' }],
    ['a malformed phone number', { phone_number: '555-CALL-ME' }],
  ])('answers 4 for %s', async (_label, over) => {
    expect((await request({ phone_number: '2025550173', ...over })).text).toBe('4');
  });

  it('answers 5 for a disabled api_key', async () => {
    expect((await request({ api_key: `${KEYS.disabled.id}:${KEYS.disabled.secret}` })).text).toBe('5');
  });

  it('answers 6 for a second request for the number within a minute (flood protection), and 0 after it', async () => {
    expect((await request({ phone_number: '2025550260' })).text).toBe('0');
    expect((await request({ phone_number: '2025550260' })).text).toBe('6');
    await f.advance(60_000);
    expect((await request({ phone_number: '2025550260' })).text).toBe('0');
  });

  it("answers 7 for an area code that is not served: the seed's own 555 example, a 900 premium number", async () => {
    expect((await request({ phone_number: '5551234444' })).text).toBe('7');
    expect((await request({ phone_number: '9005551234' })).text).toBe('7');
  });

  it('answers 8 for an unknown or refused country code', async () => {
    expect((await request({ country_code: '999', phone_number: '1234567' })).text).toBe('8');
    expect((await request({ country_code: '33', phone_number: '612345678' })).text).toBe('8');
  });

  it('dialled none of the refused numbers and counted every refusal in /metrics', async () => {
    for (const to of ['+12025550170', '+12025550172', '+12025550190', '+12025550173', '+15551234444', '+19005551234', '+33612345678']) {
      expect(await f.callsTo(to)).toEqual([]);
    }
    expect((await f.callsTo('+12025550260')).length).toBe(2);
    for (const code of ['AUTH_INVALID', 'QUOTA_EXCEEDED', 'NUMBER_DO_NOT_CALL', 'KEY_DISABLED', 'NUMBER_FLOOD', 'NUMBER_INVALID', 'NUMBER_TYPE_NOT_ALLOWED', 'COUNTRY_NOT_ALLOWED', 'CALLBACK_URL_FORBIDDEN']) {
      expect(await f.refusals(code)).toBeGreaterThan(0);
    }
  });
});
