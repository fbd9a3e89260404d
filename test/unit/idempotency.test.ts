import { canonical, validKey } from '../../src/api/idempotency/fingerprint';
import { ResponseSealer } from '../../src/api/idempotency/sealed-response';
import { derive } from '../../src/verification/codes';
import { AppError } from '../../src/lib/errors';

describe('idempotency: canonical request form', () => {
  it('gives the same text whatever the key order, at every level', () => {
    expect(canonical({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe(canonical({ a: { c: 'x', d: [1, 2] }, b: 1 }));
    expect(canonical({ a: 1, skipped: undefined })).toBe(canonical({ a: 1 }));
  });

  it('tells apart what differs: values, types, array order, absence', () => {
    expect(canonical({ code_length: 6 })).not.toBe(canonical({ code_length: '6' }));
    expect(canonical({ ids: ['a', 'b'] })).not.toBe(canonical({ ids: ['b', 'a'] }));
    expect(canonical({ a: null })).not.toBe(canonical({}));
    expect(canonical(undefined)).toBe(canonical(null));
    // a key cannot smuggle a separator into a neighbour's value
    expect(canonical({ 'a":"b': 'c' })).not.toBe(canonical({ a: 'b":"c' }));
  });
});

describe('idempotency: the header', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'x'.repeat(256)],
    ['holding a tab', 'tab\there'],
    ['holding a line break', 'new\nline'],
    ['not ASCII', 'é'],
    ['the DEL character', '\u007f'],
  ])('refuses a key (%s) with IDEMPOTENCY_KEY_INVALID (400)', (_what, value) => {
    expect(() => validKey(value)).toThrow(AppError);
    try {
      validKey(value);
    } catch (err) {
      expect((err as AppError).code).toBe('IDEMPOTENCY_KEY_INVALID');
      expect((err as AppError).httpStatus).toBe(400);
    }
  });

  it('accepts 1 to 255 printable ASCII characters, spaces and punctuation included', () => {
    expect(validKey('a')).toBe('a');
    expect(validKey('x'.repeat(255))).toHaveLength(255);
    expect(validKey(' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')).toBeDefined();
    expect(() => validKey(['a', 'b'])).toThrow(AppError);
  });
});

describe('idempotency: sealed responses', () => {
  const sealer = new ResponseSealer(derive('engine-secret-0123456789abcdef0123', 'pbxverify/idempotency-seal/v1'));
  const response = { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"code":"123456"}' };

  it('opens what it sealed, and the code is not in the stored text', () => {
    const sealed = sealer.seal('k1', 'order-1', response);
    expect(sealed).not.toContain('123456');
    expect(sealer.unseal('k1', 'order-1', sealed)).toEqual(response);
  });

  it('does not open under another scope, another key, another secret or after tampering', () => {
    const sealed = sealer.seal('k1', 'order-1', response);
    expect(sealer.unseal('k2', 'order-1', sealed)).toBeUndefined();
    expect(sealer.unseal('k1', 'order-2', sealed)).toBeUndefined();
    const other = new ResponseSealer(derive('another-secret-0123456789abcdef0123', 'pbxverify/idempotency-seal/v1'));
    expect(other.unseal('k1', 'order-1', sealed)).toBeUndefined();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(sealer.unseal('k1', 'order-1', raw.toString('base64url'))).toBeUndefined();
  });
});
