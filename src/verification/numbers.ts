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
 */
export function parseE164(input: string): PhoneNumberInfo {
  if (!E164.test(input)) throw new AppError('NUMBER_NOT_E164', { details: { field: 'to' } });
  const parsed = parsePhoneNumberFromString(input);
  if (!parsed || !parsed.isValid()) throw new AppError('NUMBER_INVALID', { details: { field: 'to' } });
  return {
    e164: parsed.number,
    country: parsed.country,
    callingCode: parsed.countryCallingCode,
    national: parsed.nationalNumber,
    type: parsed.getType(),
  };
}
