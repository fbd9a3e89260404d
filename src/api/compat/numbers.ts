import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { AppError } from '../../lib/errors';
import { assertPlusEncoded } from '../query-number';

/**
 * How the seed services write numbers, turned into E.164 candidates. The engine validates the
 * result again (parseE164: strict E.164 and libphonenumber's full metadata); these only decide
 * what the caller meant.
 */

const DIGITS = /^\+?[1-9][0-9]{6,14}$/;

/** International digits with or without `+` (Zadarma `442037691881`, Vonage `447700900000`). */
export function internationalNumber(raw: string, field = 'to'): string {
  assertPlusEncoded(raw, field);
  if (!DIGITS.test(raw)) throw new AppError('NUMBER_NOT_E164', { details: { field } });
  return raw.startsWith('+') ? raw : `+${raw}`;
}

/** A national number of a country (99 Digital `0501234567` with the key's country, Vonage `country`). */
export function nationalNumber(raw: string, country: string, field = 'to'): string {
  assertPlusEncoded(raw, field);
  if (raw.startsWith('+')) return internationalNumber(raw, field);
  if (!/^[0-9]{4,17}$/.test(raw)) throw new AppError('NUMBER_NOT_E164', { details: { field } });
  const parsed = parsePhoneNumberFromString(raw, country as CountryCode);
  if (!parsed) throw new AppError('NUMBER_INVALID', { details: { field } });
  return parsed.number;
}

/** A national number and a country calling code (called.in `phone_number=5551234444&country_code=1`). */
export function numberWithCallingCode(national: string, callingCode: string, field = 'phone_number'): string {
  assertPlusEncoded(national, field);
  assertPlusEncoded(callingCode, 'country_code');
  if (!/^[0-9]{1,3}$/.test(callingCode)) throw new AppError('REQUEST_INVALID', { message: 'Invalid country_code', details: { field: 'country_code' } });
  if (!/^[0-9]{4,14}$/.test(national)) throw new AppError('NUMBER_NOT_E164', { details: { field } });
  let parsed;
  try {
    parsed = parsePhoneNumberFromString(national, { defaultCallingCode: callingCode });
  } catch {
    // libphonenumber throws for a calling code no country has
    throw new AppError('NUMBER_INVALID', { message: 'Unknown country calling code', details: { field: 'country_code' } });
  }
  if (!parsed) throw new AppError('NUMBER_INVALID', { details: { field } });
  return parsed.number;
}
