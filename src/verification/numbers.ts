import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import { AppError } from '../lib/errors';

const E164 = /^\+[1-9]\d{6,14}$/;

export interface PhoneNumberInfo {
  e164: string;
  /** ISO 3166 country, when the number belongs to one. */
  country: string | undefined;
  /** Country calling code without `+` (`44`). */
  callingCode: string;
  /** National significant number (no trunk prefix). */
  national: string;
  type: NumberType | undefined;
}

/**
 * Validates an E.164 number strictly: `+`, 7 to 15 digits, and a number libphonenumber's full
 * metadata considers valid. Nothing else ever reaches a dial string.
 *
 * The number's type and its validity are one computation: with full metadata libphonenumber's
 * `isValid()` is `getType() !== undefined` (both match the whole national number against every
 * type pattern of its country), so the type is matched once and `isValid()` runs only for a
 * number without a type (issue 18: it was matched twice per start). Nothing is cached by prefix:
 * the country (for shared calling codes) and the type come from the whole number; what depends
 * on the calling code alone, libphonenumber's metadata already holds.
 * test/unit/numbers-equality.test.ts compares this with the two-pass path over generated numbers.
 */
export function parseE164(input: string): PhoneNumberInfo {
  if (!E164.test(input)) throw new AppError('NUMBER_NOT_E164', { details: { field: 'to' } });
  const parsed = parsePhoneNumberFromString(input);
  const type = parsed?.getType();
  if (!parsed || (type === undefined && !parsed.isValid())) throw new AppError('NUMBER_INVALID', { details: { field: 'to' } });
  return {
    e164: parsed.number,
    country: parsed.country,
    callingCode: parsed.countryCallingCode,
    national: parsed.nationalNumber,
    type,
  };
}
