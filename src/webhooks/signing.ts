import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** The three Standard Webhooks headers as received (absent ones undefined). */
export interface SignatureHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SignatureCheck =
  | { ok: true }
  /** unsigned: no signature headers at all; malformed: headers present but unreadable. */
  | { ok: false; reason: 'unsigned' | 'malformed' | 'timestamp-outside-tolerance' | 'mismatch' };

/**
 * Verifies a received webhook as the Standard Webhooks libraries do: the timestamp within
 * `toleranceSeconds` of `nowSeconds` (replay protection, both directions), and one of the
 * space-separated `v1,` signatures equal, compared in constant time, to the one `sign` makes.
 */
export function verifySignature(
  secret: string,
  headers: SignatureHeaders,
  body: string,
  opts: { nowSeconds: number; toleranceSeconds?: number },
): SignatureCheck {
  const { id, timestamp, signature } = headers;
  if (id === undefined && timestamp === undefined && signature === undefined) return { ok: false, reason: 'unsigned' };
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed' };
  const at = Number(timestamp);
  if (Math.abs(opts.nowSeconds - at) > (opts.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp-outside-tolerance' };
  const expected = Buffer.from(sign(secret, id, at, body));
  const matches = signature
    .split(' ')
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
