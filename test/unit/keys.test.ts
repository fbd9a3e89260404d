import { KeyRing } from '../../src/api/keys';
import { apiKeySchema } from '../../src/config/schema';
import { type AppError } from '../../src/lib/errors';

const ring = new KeyRing([
  apiKeySchema.parse({ id: 'shop', secret: 'shop-secret-0123456789' }),
  apiKeySchema.parse({ id: 'off', secret: 'off-secret-0123456789', disabled: true }),
]);

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as AppError).code;
  }
};

describe('API key authentication', () => {
  it('accepts HTTP Basic and Bearer id:secret', () => {
    expect(ring.fromHeader(`Basic ${Buffer.from('shop:shop-secret-0123456789').toString('base64')}`).id).toBe('shop');
    expect(ring.fromHeader('Bearer shop:shop-secret-0123456789').id).toBe('shop');
  });

  it('refuses missing, malformed, unknown and wrong credentials', () => {
    expect(codeOf(() => ring.fromHeader(undefined))).toBe('AUTH_MISSING');
    expect(codeOf(() => ring.fromHeader('Token abc'))).toBe('AUTH_INVALID');
    expect(codeOf(() => ring.fromHeader('Bearer shop'))).toBe('AUTH_INVALID');
    expect(codeOf(() => ring.fromHeader('Bearer nobody:whatever-secret'))).toBe('AUTH_INVALID');
    expect(codeOf(() => ring.fromHeader('Bearer shop:shop-secret-0123456780'))).toBe('AUTH_INVALID');
  });

  it('tells a disabled key apart once its secret is right', () => {
    expect(codeOf(() => ring.fromPair('off:off-secret-0123456789'))).toBe('KEY_DISABLED');
    expect(codeOf(() => ring.fromPair('off:wrong'))).toBe('AUTH_INVALID');
  });
});
