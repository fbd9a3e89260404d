import fc from 'fast-check';
import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';

/**
 * Property: no request, however malformed, gets a 5xx or takes the engine down. fast-check drives
 * the real server process over HTTP with random methods, routes (native and compat), content
 * types, bodies built from the API's own field names mixed with hostile values, credentials and
 * idempotency keys. Refusals must be 4xx (or the compat services' own 200-with-status answers).
 */
/** A value as form or query text (objects without a prototype have no toString). */
function text(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

describe('API fuzz (e2e)', () => {
  let f: Fixture;
  const seen = new Map<number, number>();

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.stop();
  });

  const hostile = fc.constantFrom(
    '', ' ', '\u0000', '\r\n', '../../etc/passwd', '${jndi:ldap://x}', "'; DROP TABLE v;--", '%00', '%2B12025550100',
    '+12025550100', '+1 202 555 0100', '12025550100', '+12025550100@evil/PJSIP', '+12025550100&x=1', '+999123456789',
    'PJSIP/evil', 'sofia/gateway/x/1', '\u202e', '😀', 'a'.repeat(5000), '__proto__', 'constructor', 'http://[::127.0.0.1]:1/',
    'http://169.254.169.254/', 'https://example.com/hook', 'en', 'de-AT', 'xx', 'call', 'sms', 'reverse', 'sms-call-call',
  );
  const value = fc.oneof(hostile, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostile, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), hostile, { maxKeys: 3 }));
  const FIELDS = ['to', 'channel', 'workflow', 'lang', 'code', 'code_length', 'callback_url', 'caller_id', 'sender', 'brand', 'gate', 'message_template', 'number', 'phone', 'api_key', 'api_secret', 'apiKey', 'brand', 'request_id', 'pin_expiry', 'caller_id_prefix', '__proto__'];
  const body = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }), fc.jsonValue(), fc.string({ maxLength: 200 }));
  const ROUTES: ReadonlyArray<readonly [string, string]> = [
    ['POST', '/v1/verifications'], ['GET', '/v1/verifications/{id}'], ['POST', '/v1/verifications/{id}/check'], ['POST', '/v1/verifications/{id}/cancel'],
    ['POST', '/v1/verifications/{id}/next'], ['POST', '/v1/verifications/check'], ['GET', '/v1/workflows'], ['GET', '/v1/languages'],
    ['GET', '/v1/simulator/calls?to={q}'], ['GET', '/v1/simulator/messages?to={q}'], ['GET', '/v1/admin/do-not-call'], ['POST', '/v1/admin/do-not-call'],
    ['GET', '/compat/zadarma/v1/request/checknumber/?{q}'], ['POST', '/compat/zadarma/v1/request/checknumber/'], ['POST', '/compat/99digital/verify-sms/send'],
    ['POST', '/compat/99digital/verify-sms/check'], ['GET', '/compat/calledin/api/reverse_verify/?{q}'], ['POST', '/compat/idenfy/fraud/send-sms'],
    ['POST', '/compat/idenfy/fraud/verify-sms'], ['POST', '/compat/vonage/verify/json'], ['GET', '/compat/vonage/verify/search/json?{q}'], ['POST', '/compat/vonage/verify/check/json'],
    ['POST', '/compat/vonage/verify/control/json'], ['GET', '/healthz'], ['GET', '/v1/verifications/../../etc/passwd'], ['DELETE', '/v1/verifications/{id}'],
  ];
  const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/json; charset=utf-16', '');
  const auth = fc.constantFrom('key', 'key', 'wrong', 'garbage', 'none');

  it('answers every request below 500 and keeps serving', async () => {
    const request = fc.record({ route: fc.constantFrom(...ROUTES), id: fc.oneof(fc.uuid(), hostile), q: fc.oneof(hostile, fc.string()), body, contentType, auth, idem: fc.option(fc.oneof(fc.uuid(), hostile), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, template] = r.route;
        const path = template.replace('{id}', encodeURIComponent(r.id)).replace('{q}', typeof r.body === 'object' && r.body && !Array.isArray(r.body) ? new URLSearchParams(Object.entries(r.body).map(([k, v]): [string, string] => [k, text(v)])).toString() : `to=${encodeURIComponent(r.q)}`);
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.auth === 'key') headers.authorization = f.engine.auth(KEY.id, KEY.secret);
        if (r.auth === 'wrong') headers.authorization = f.engine.auth(KEY.id, 'not-the-secret');
        if (r.auth === 'garbage') headers.authorization = `Basic ${r.q}`.replace(/[^\x20-\x7e]/g, '?');
        if (r.idem !== undefined) headers['idempotency-key'] = r.idem.replace(/[^\x20-\x7e]/g, '?');
        let payload: string | undefined;
        if (method !== 'GET' && method !== 'DELETE') {
          payload = r.contentType === 'application/x-www-form-urlencoded' && typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body)
            ? new URLSearchParams(Object.entries(r.body).map(([k, v]): [string, string] => [k, text(v)])).toString()
            : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        }
        const res = await fetch(`${f.engine.url}${path}`, payload === undefined ? { method, headers } : { method, headers, body: payload });
        await res.arrayBuffer();
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 5000 },
    );
    const health = await fetch(`${f.engine.url}/healthz`);
    expect(health.status).toBe(200);
    expect(f.engine.child.exitCode).toBeNull();
    // the run reached past the validators too: some requests were accepted, many refused
    expect([...seen.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...seen.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
  }, 240_000);
});
