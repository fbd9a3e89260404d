import { Webhook } from 'standardwebhooks';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sign, signedContent, verifySignature, webhookSecretFor } from '../../src/webhooks/signing';

describe('webhook signatures', () => {
  it('verify with the Standard Webhooks reference implementation', () => {
    const secret = webhookSecretFor({ id: 'shop' }, 'e'.repeat(40));
    expect(secret).toMatch(/^whsec_/);
    const body = JSON.stringify({ type: 'verification.approved', data: { id: 'x' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(secret, 'msg_1', timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('uses a configured secret as is, and derives distinct ones per key otherwise', () => {
    expect(webhookSecretFor({ id: 'a', webhookSecret: 'whsec_abc' }, 'x'.repeat(32))).toBe('whsec_abc');
    expect(webhookSecretFor({ id: 'a' }, 'x'.repeat(32))).not.toBe(webhookSecretFor({ id: 'b' }, 'x'.repeat(32)));
  });
});

describe('received webhook verification (pbxverify webhooks listen)', () => {
  const secret = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"type":"verification.approved","data":{"verification_id":"abc"}}';
  const at = 1_800_000_000;
  const signed = { id: 'msg_1', timestamp: String(at), signature: secret.sign('msg_1', new Date(at * 1000), body) };

  it("accepts what the Standard Webhooks reference implementation signs, also among several signatures", () => {
    expect(verifySignature(key, signed, body, { nowSeconds: at + 10 })).toEqual({ ok: true });
    const rotated = { ...signed, signature: `v1,bm90LXRoaXMtb25l ${signed.signature}` };
    expect(verifySignature(key, rotated, body, { nowSeconds: at })).toEqual({ ok: true });
  });

  it('refuses a changed body, id or secret as a mismatch', () => {
    expect(verifySignature(key, signed, `${body} `, { nowSeconds: at })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(key, { ...signed, id: 'msg_2' }, body, { nowSeconds: at })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('whsec_b3RoZXItc2VjcmV0LTAxMjM0NTY3ODk=', signed, body, { nowSeconds: at })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp more than five minutes away either way (replays)', () => {
    expect(verifySignature(key, signed, body, { nowSeconds: at + 301 })).toEqual({ ok: false, reason: 'timestamp-outside-tolerance' });
    expect(verifySignature(key, signed, body, { nowSeconds: at - 301 })).toEqual({ ok: false, reason: 'timestamp-outside-tolerance' });
    expect(verifySignature(key, signed, body, { nowSeconds: at + 300 })).toEqual({ ok: true });
  });

  it('tells an unsigned request from one with broken headers', () => {
    const none = { id: undefined, timestamp: undefined, signature: undefined };
    expect(verifySignature(key, none, body, { nowSeconds: at })).toEqual({ ok: false, reason: 'unsigned' });
    expect(verifySignature(key, { ...signed, timestamp: 'soon' }, body, { nowSeconds: at })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(key, { ...signed, signature: undefined }, body, { nowSeconds: at })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('signatures of GET callbacks (called.in)', () => {
  const secret = webhookSecretFor({ id: 'shop' }, 'e'.repeat(40));
  const url = 'https://shop.example/verify.php?phone_number=2025550163&country_code=1&secret=s3&match=1&answered=1&reason=';

  /** The receiver code of docs/security.md, in Node: HMAC over "<id>.<timestamp>.GET <url>\n". */
  function receiverAccepts(headers: Record<string, string>, receivedUrl: string): boolean {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.GET ${receivedUrl}\n`).digest();
    return (headers['webhook-signature'] ?? '').split(' ').some((entry) => {
      const [version, mac] = entry.split(',', 2);
      const given = Buffer.from(mac ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  it('cover the method, the full URL and the body, so a changed query or host fails', () => {
    expect(signedContent('GET', url, '')).toBe(`GET ${url}\n`);
    const timestamp = 1_800_000_000;
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(secret, 'msg_2', timestamp, signedContent('GET', url, '')) };
    expect(receiverAccepts(headers, url)).toBe(true);
    expect(new Webhook(secret).sign('msg_2', new Date(timestamp * 1000), `GET ${url}\n`)).toBe(headers['webhook-signature']);
    expect(receiverAccepts(headers, url.replace('match=1', 'match=0'))).toBe(false);
    expect(receiverAccepts(headers, url.replace('reason=', 'reason=5'))).toBe(false);
    expect(receiverAccepts(headers, url.replace('shop.example', 'evil.example'))).toBe(false);
    expect(receiverAccepts({ ...headers, 'webhook-timestamp': String(timestamp + 1) }, url)).toBe(false);
  });
});
