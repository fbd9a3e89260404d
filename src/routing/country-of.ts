import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/max/metadata';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * The country of an E.164 number, as `parsePhoneNumberFromString(e164)?.country` gives it, in
 * about a microsecond instead of tens.
 *
 * libphonenumber picks the country of a calling code shared by several countries (+1, +44, +7…)
 * by testing the national number against each country's leading-digits pattern or its number-type
 * patterns, in the metadata's order (the main country first), and it rebuilds every `RegExp` on
 * every call. This runs the same test in the same order with the same metadata, compiled once.
 * The cases where libphonenumber's parser may first rewrite the national number (a national
 * prefix for parsing under a shared calling code, lengths outside 2-17, anything but `+digits`)
 * go to libphonenumber itself,
 * so the answer is the same for every input; test/unit/routing/country-of.test.ts compares both over
 * a corpus.
 */

/** Number types in the order libphonenumber's getNumberType tries them (any match = the country's). */
const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;

/** The part of libphonenumber's Metadata class used here (it is untyped beyond the constructor). */
interface PlanReader {
  selectNumberingPlan(countryOrCode: string): void;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  leadingDigits(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

interface CountryTest {
  country: string;
  leading: RegExp | undefined;
  whole: RegExp;
  types: Array<{ lengths: readonly number[] | undefined; pattern: RegExp }>;
}

interface CodePlan {
  /** The main country's national prefix for parsing (libphonenumber may strip it before choosing a country). */
  prefixForParsing: RegExp | undefined;
  /** The plan rewrites what that prefix matches (VI: `340` prepended) instead of stripping it. */
  transforms: boolean;
  /** The countries of the code in the metadata's order, the main one first. */
  countries: CountryTest[];
}

const entirely = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

function compile(code: string, reader: PlanReader): CodePlan {
  const countries = reader.getCountryCodesForCallingCode(code) ?? [];
  reader.selectNumberingPlan(code);
  const npfp = reader.nationalPrefixForParsing();
  return {
    prefixForParsing: npfp ? new RegExp(`^(?:${npfp})`) : undefined,
    transforms: Boolean(reader.nationalPrefixTransformRule()),
    countries: countries.map((country): CountryTest => {
      reader.selectNumberingPlan(country);
      const leading = reader.leadingDigits();
      const types: CountryTest['types'] = [];
      for (const name of TYPES) {
        const type = reader.type(name);
        if (!type || !type.pattern()) continue;
        types.push({ lengths: type.possibleLengths(), pattern: entirely(type.pattern()) });
      }
      return { country, leading: leading ? new RegExp(`^(?:${leading})`) : undefined, whole: entirely(reader.nationalNumberPattern()), types };
    }),
  };
}

/** Calling code (digits) → its compiled plan; every calling code some country uses. */
const PLANS = new Map<string, CodePlan>();
{
  const reader = new Metadata(metadataJson as unknown as MetadataJson) as unknown as PlanReader;
  for (const country of Object.keys(metadataJson.countries)) {
    const code = getCountryCallingCode(country as CountryCode);
    if (!PLANS.has(code)) PLANS.set(code, compile(code, reader));
  }
}

const E164 = /^\+\d+$/;

/** The country of `national` under a calling code (libphonenumber's getCountryByCallingCode). */
function countryAmong(plan: CodePlan, national: string): string | undefined {
  if (plan.countries.length === 1) return plan.countries[0]?.country;
  for (const test of plan.countries) {
    if (test.leading) {
      if (test.leading.test(national)) return test.country;
      continue;
    }
    if (!test.whole.test(national)) continue;
    for (const type of test.types) {
      if (type.lengths && !type.lengths.includes(national.length)) continue;
      if (type.pattern.test(national)) return test.country;
    }
  }
  return undefined;
}

const slow = (e164: string): string | undefined => parsePhoneNumberFromString(e164)?.country;

/** `parsePhoneNumberFromString(e164)?.country`, fast. */
export function countryOf(e164: string): string | undefined {
  if (!E164.test(e164)) return slow(e164);
  for (let len = 1; len <= 3; len++) {
    const plan = PLANS.get(e164.slice(1, 1 + len));
    if (plan === undefined) continue;
    const national = e164.slice(1 + len);
    if (national.length < 2 || national.length > 17) return slow(e164);
    const prefix = plan.prefixForParsing?.exec(national);
    if (prefix) {
      // Stripped or not, a number of a single-country code keeps that country while 2+ digits remain.
      const single = plan.countries.length === 1 && !plan.transforms && national.length - prefix[0].length >= 2;
      return single ? plan.countries[0]?.country : slow(e164);
    }
    return countryAmong(plan, national);
  }
  return slow(e164);
}
