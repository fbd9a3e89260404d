import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Calling code (digits) → the countries that share it (`1` → US, CA, …; `44` → GB, GG, IM, JE). */
const COUNTRIES_BY_CODE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const country of getCountries()) {
    const code = getCountryCallingCode(country);
    map.set(code, [...(map.get(code) ?? []), country]);
  }
  return map;
})();

/**
 * The country calling code of an E.164 number, read from its first 1-3 digits (calling codes are
 * prefix-free), without parsing the whole number. Undefined for codes no country uses (+800…).
 */
export function callingCodeOf(e164: string): string | undefined {
  for (let len = 1; len <= 3; len++) {
    const code = e164.slice(1, 1 + len);
    if (COUNTRIES_BY_CODE.has(code)) return code;
  }
  return undefined;
}

/** True when more countries than one share the calling code (the country needs the full metadata). */
export function isSharedCode(code: string): boolean {
  return (COUNTRIES_BY_CODE.get(code)?.length ?? 0) > 1;
}

/** The single country of a calling code, when only one country uses it. */
export function soleCountryOf(code: string): string | undefined {
  const countries = COUNTRIES_BY_CODE.get(code);
  return countries?.length === 1 ? countries[0] : undefined;
}

export interface NumberFacts {
  country: string | undefined;
  /** libphonenumber's type name (MOBILE, FIXED_LINE…), UNKNOWN when it cannot tell. */
  type: string;
  /** National significant number. */
  national: string | undefined;
}

/** Country, type and national number from libphonenumber's full metadata (tens of µs: asked lazily). */
export function numberFacts(e164: string): NumberFacts {
  const parsed = parsePhoneNumberFromString(e164);
  return { country: parsed?.country, type: parsed?.getType() ?? 'UNKNOWN', national: parsed?.nationalNumber };
}

/** Computes {@link numberFacts} once, on first use. */
export function lazyFacts(e164: string): () => NumberFacts {
  let facts: NumberFacts | undefined;
  return () => (facts ??= numberFacts(e164));
}
