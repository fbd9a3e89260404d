import { Webhook } from 'standardwebhooks';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sign, signedContent, webhookSecretFor } from '../../src/webhooks/signing';

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
