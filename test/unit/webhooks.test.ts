import { Webhook } from 'standardwebhooks';
import { sign, verifySignature, webhookSecretFor } from '../../src/webhooks/signing';
import { NetworkUrlGuard } from '../../src/webhooks/url-guard';
import { type AppError } from '../../src/lib/errors';

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

describe('callback URL guard', () => {
  const codeOf = async (guard: NetworkUrlGuard, url: string): Promise<string | undefined> => {
    try {
      await guard.check(url);
      return undefined;
    } catch (err) {
      return (err as AppError).code;
    }
  };

  it.each([
    'http://127.0.0.1/hook',
    'http://10.1.2.3/hook',
    'http://192.168.0.1/hook',
    'http://172.16.5.4/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/',
    'http://localhost:8080/hook',
  ])('refuses %s by default', async (url) => {
    expect(await codeOf(new NetworkUrlGuard([]), url)).toBe('CALLBACK_URL_FORBIDDEN');
  });

  it.each(['ftp://example.com/x', 'javascript:alert(1)', 'not a url', 'http://user:pw@example.com/'])('refuses %s as invalid', async (url) => {
    expect(await codeOf(new NetworkUrlGuard([]), url)).toBe('CALLBACK_URL_INVALID');
  });

  it('accepts public addresses and the ranges the operator allowed', async () => {
    expect(await codeOf(new NetworkUrlGuard([]), 'https://93.184.216.34/hook')).toBeUndefined();
    const guard = new NetworkUrlGuard(['127.0.0.0/8']);
    expect(await codeOf(guard, 'http://127.0.0.1:9999/hook')).toBeUndefined();
    expect(await codeOf(guard, 'http://10.0.0.1/hook')).toBe('CALLBACK_URL_FORBIDDEN');
  });
});
