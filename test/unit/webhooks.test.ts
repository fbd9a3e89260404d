import { Webhook } from 'standardwebhooks';
import { sign, webhookSecretFor } from '../../src/webhooks/signing';

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
