import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';
import { countryOf } from './country-of';

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
  readonly country: string | undefined;
  /** libphonenumber's type name (MOBILE, FIXED_LINE…), UNKNOWN when it cannot tell. */
  readonly type: string;
  /** National significant number. */
  readonly national: string | undefined;
}

/**
 * Country, type and national number of an E.164 number. The country comes from
 * {@link countryOf} (about a microsecond); type and national number from libphonenumber's full
 * metadata (tens of µs), parsed only when first read.
 */
export function numberFacts(e164: string): NumberFacts {
  return new LazyFacts(e164);
}

class LazyFacts implements NumberFacts {
  private parsed: PhoneNumber | undefined | null = null;
  private countryFound: { value: string | undefined } | undefined;

  constructor(private readonly e164: string) {}

  get country(): string | undefined {
    return (this.countryFound ??= { value: countryOf(this.e164) }).value;
  }

  get type(): string {
    return this.parse()?.getType() ?? 'UNKNOWN';
  }

  get national(): string | undefined {
    return this.parse()?.nationalNumber;
  }

  private parse(): PhoneNumber | undefined {
    if (this.parsed === null) this.parsed = parsePhoneNumberFromString(this.e164);
    return this.parsed;
  }
}

/** Computes {@link numberFacts} once, on first use. */
export function lazyFacts(e164: string): () => NumberFacts {
  let facts: NumberFacts | undefined;
  return () => (facts ??= numberFacts(e164));
}
