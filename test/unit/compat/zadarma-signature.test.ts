import { createHash, createHmac } from 'node:crypto';
import { KeyRing } from '../../../src/api/keys';
import { authenticateZadarma } from '../../../src/api/compat/zadarma-signature';
import { apiKeySchema } from '../../../src/config/schema';
import { AppError } from '../../../src/lib/errors';

const SECRET = 'zadarma-secret-0123456789';
const keys = new KeyRing([
  apiKeySchema.parse({ id: 'zkey', secret: SECRET }),
  apiKeySchema.parse({ id: 'off', secret: SECRET, disabled: true }),
]);
const METHOD = '/v1/request/checknumber/';

/** PHP's urlencode() (http_build_query RFC 1738), written from the PHP manual, independently of the adapter. */
const phpEncode = (v: string) =>
  encodeURIComponent(v)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
/** Python's quote_plus(): like PHP but keeps `~`. */
const pythonEncode = (v: string) => phpEncode(v).replace(/%7E/g, '~');

/** What Zadarma's official clients put in the Authorization header. */
function clientHeader(key: string, secret: string, params: Record<string, string>, encode: (v: string) => string): string {
  const query = Object.keys(params)
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k] as string)}`)
    .join('&');
  const md5 = createHash('md5').update(query).digest('hex');
  const sign = Buffer.from(createHmac('sha1', secret).update(METHOD + query + md5).digest('hex')).toString('base64');
  return `${key}:${sign}`;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
}

describe("Zadarma's request signature", () => {
  const params = { caller_id: '442037691880', to: '442037691881', code: '1234567890', lang: 'fr', format: 'json' };

  it("accepts the seed's request signed as the PHP and Python clients sign it", () => {
    expect(authenticateZadarma(keys, clientHeader('zkey', SECRET, params, phpEncode), METHOD, params).id).toBe('zkey');
    expect(authenticateZadarma(keys, clientHeader('zkey', SECRET, params, pythonEncode), METHOD, params).id).toBe('zkey');
  });

  it('accepts values the clients encode differently (space, tilde, star)', () => {
    const odd = { ...params, lang: 'a b~c*' };
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('zkey', SECRET, odd, phpEncode), METHOD, odd))).toBe('ok');
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('zkey', SECRET, odd, pythonEncode), METHOD, odd))).toBe('ok');
  });

  it('refuses a wrong secret, changed parameters, another path, an unknown or disabled key', () => {
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('zkey', 'not-the-secret', params, phpEncode), METHOD, params))).toBe('AUTH_INVALID');
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('zkey', SECRET, params, phpEncode), METHOD, { ...params, code: '1' }))).toBe('AUTH_INVALID');
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('zkey', SECRET, params, phpEncode), '/v1/info/balance/', params))).toBe('AUTH_INVALID');
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('nobody', SECRET, params, phpEncode), METHOD, params))).toBe('AUTH_INVALID');
    expect(codeOf(() => authenticateZadarma(keys, clientHeader('off', SECRET, params, phpEncode), METHOD, params))).toBe('KEY_DISABLED');
    expect(codeOf(() => authenticateZadarma(keys, undefined, METHOD, params))).toBe('AUTH_MISSING');
    expect(codeOf(() => authenticateZadarma(keys, 'no-colon', METHOD, params))).toBe('AUTH_INVALID');
  });
});
