import { createHmac } from 'node:crypto';
import { derive } from '../verification/codes';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signatures:
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, where the
 * secret is the base64 part of `whsec_…`. Verified in the tests with the `standardwebhooks` package.
 */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * What a callback without a JSON body (called.in's GET, whose result is in the query string) is
 * signed over, in place of the body: its method, its full URL as sent, a newline and its body
 * (empty for a GET). The signature is otherwise Standard Webhooks, so a receiver verifies it with
 * any Standard Webhooks library by passing this text as the payload (docs/security.md).
 */
export function signedContent(method: string, url: string, body: string): string {
  return `${method} ${url}\n${body}`;
}

/** The signing secret of a key: configured, or derived from the engine secret and the key id. */
export function webhookSecretFor(key: { id: string; webhookSecret?: string | undefined }, engineSecret: string): string {
  if (key.webhookSecret) return key.webhookSecret;
  return `whsec_${derive(engineSecret, `pbxverify/webhook/${key.id}`).toString('base64')}`;
}
