import type { FastifyRequest } from 'fastify';
import { HmacSha256 } from '../../lib/hmac';
import { AppError } from '../../lib/errors';

/** 1–255 printable ASCII characters (space to tilde), as Stripe and the IETF draft allow. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** The header's value, or IDEMPOTENCY_KEY_INVALID (400). */
export function validKey(raw: string | string[]): string {
  if (typeof raw !== 'string' || !VALID_KEY.test(raw)) throw new AppError('IDEMPOTENCY_KEY_INVALID', { details: { header: 'Idempotency-Key' } });
  return raw;
}

/**
 * JSON with object keys sorted at every level: the same parameters give the same text whatever
 * their order or spacing, in a JSON body, a form, a multipart body or a query string (each is
 * compared after fastify parsed it). Arrays keep their order (a repeated form field's order
 * is part of the request).
 */
export function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Buffer.isBuffer(value)) return JSON.stringify({ buffer: value.toString('base64') });
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function without(value: unknown, omit: readonly string[]): unknown {
  if (omit.length === 0 || value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const name of omit) delete copy[name];
  return copy;
}

/**
 * What makes two requests "the same": method, path (a trailing slash aside), query and body,
 * canonical. Keyed with a secret derived from the engine secret, so the stored fingerprint of a
 * body holding a number and a code cannot be brute-forced from a store dump. Credentials sent as
 * parameters (`omit`) are left out: the key is scoped by API key already.
 */
export class Fingerprinter {
  private readonly mac: HmacSha256;

  constructor(key: Buffer) {
    this.mac = new HmacSha256(key);
  }

  of(request: FastifyRequest, omit: readonly string[] = []): string {
    const path = (request.url.split('?')[0] as string).replace(/(.)\/+$/, '$1');
    const text = [request.method, path, canonical(without(request.query, omit)), canonical(without(request.body, omit))].join('\n');
    return this.mac.digest(text).toString('base64url');
  }
}
