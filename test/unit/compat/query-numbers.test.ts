import { internationalNumber, nationalNumber, numberWithCallingCode } from '../../../src/api/compat/numbers';
import { assertPlusEncoded } from '../../../src/api/query-number';
import { AppError } from '../../../src/lib/errors';

/** A `+` sent unencoded in a query string or form body arrives as a space (issue 11). */
describe('numbers from query strings and form bodies', () => {
  const refusal = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err instanceof AppError ? { code: err.code, status: err.httpStatus, details: err.details } : err;
    }
    return 'accepted';
  };

  it.each([
    ['Zadarma / Vonage international number', () => internationalNumber(' 442037691881', 'to'), 'to'],
    ['Vonage / 99 Digital national number with a country', () => nationalNumber(' 972501234567', 'IL', 'number'), 'number'],
    ['called.in country code', () => numberWithCallingCode('5551234444', ' 1'), 'country_code'],
    ['caller ID', () => assertPlusEncoded(' 442037691880', 'caller_id'), 'caller_id'],
  ])('refuses a %s whose + became a space, with the hint', (_label, fn, field) => {
    expect(refusal(fn)).toEqual({ code: 'NUMBER_PLUS_NOT_ENCODED', status: 400, details: { field, hint: 'encode + as %2B' } });
  });

  it('leaves numbers that never had a + alone', () => {
    expect(internationalNumber('442037691881')).toBe('+442037691881');
    expect(internationalNumber('+442037691881')).toBe('+442037691881');
    // a national number with a stray leading space is not an encoded + (a country code never starts with 0)
    expect(refusal(() => assertPlusEncoded(' 0501234567', 'to'))).toBe('accepted');
  });
});
