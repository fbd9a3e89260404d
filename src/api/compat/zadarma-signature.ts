import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from '../../config/schema';
import { AppError } from '../../lib/errors';
import type { KeyRing } from '../keys';

/**
 * Zadarma's request signature, as its official clients compute it (user-api-v1 lib/Client.php
 * `_getAuthHeader`, user-api-py-v1 `__get_auth_string_for_header`, user-api-typescript
 * `getAuthHeader`):
 *
 *   params  = every request parameter (including `format`), sorted by name
 *   query   = params as a form-encoded query string
 *   sign    = base64( hex( HMAC-SHA1( method_path + query + hex(md5(query)), secret ) ) )
 *   header  = `Authorization: <key>:<sign>`
 *
 * method_path is the API path the client called (`/v1/request/checknumber/`). The clients
 * percent-encode slightly differently (PHP http_build_query RFC 1738 leaves `-_.`, Python
 * quote_plus also `~`, URLSearchParams also `*`): a signature made by any of them is accepted.
 */

type Encoder = (value: string) => string;

const percent = (c: string): string =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

function encoderKeeping(unreserved: RegExp): Encoder {
  return (value) => [...value].map((c) => (c === ' ' ? '+' : unreserved.test(c) ? c : percent(c))).join('');
}

const ENCODERS: readonly Encoder[] = [
  encoderKeeping(/^[A-Za-z0-9\-_.]$/), // PHP http_build_query(…, PHP_QUERY_RFC1738)
  encoderKeeping(/^[A-Za-z0-9\-_.~]$/), // Python urllib.parse.urlencode (quote_plus)
  encoderKeeping(/^[A-Za-z0-9\-_.*]$/), // WHATWG URLSearchParams
];

/** The query string a client signs: parameters sorted by name, form-encoded. */
export function signedQuery(params: Readonly<Record<string, string>>, encode: Encoder = ENCODERS[0] as Encoder): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${encode(name)}=${encode(params[name] as string)}`)
    .join('&');
}

/** The signature a client with `secret` sends for a call of `methodPath` with `params`. */
export function zadarmaSignature(methodPath: string, params: Readonly<Record<string, string>>, secret: string, encode?: Encoder): string {
  const query = signedQuery(params, encode);
  const md5 = createHash('md5').update(query).digest('hex');
  const hex = createHmac('sha1', secret).update(methodPath + query + md5).digest('hex');
  return Buffer.from(hex).toString('base64');
}

/** Fixed-length digest so comparisons never depend on lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

const UNKNOWN_KEY_SECRET = 'pbxverify-zadarma-dummy-secret';

/**
 * Authenticates `Authorization: <key>:<signature>`. Unknown keys cost the same work as known
 * ones and every comparison is constant-time. Throws AUTH_MISSING / AUTH_INVALID / KEY_DISABLED.
 */
export function authenticateZadarma(
  keys: KeyRing,
  header: string | undefined,
  methodPath: string,
  params: Readonly<Record<string, string>>,
): ApiKeyConfig {
  if (!header) throw new AppError('AUTH_MISSING');
  const colon = header.indexOf(':');
  if (colon <= 0) throw new AppError('AUTH_INVALID');
  const id = header.slice(0, colon).trim();
  const given = digest(header.slice(colon + 1).trim());
  const key = keys.get(id);
  const secret = key?.secret ?? UNKNOWN_KEY_SECRET;
  let ok = false;
  for (const encode of ENCODERS) {
    // no early exit: every candidate is computed and compared
    ok = timingSafeEqual(digest(zadarmaSignature(methodPath, params, secret, encode)), given) || ok;
  }
  if (!key || !ok) throw new AppError('AUTH_INVALID');
  if (key.disabled) throw new AppError('KEY_DISABLED');
  return key;
}
