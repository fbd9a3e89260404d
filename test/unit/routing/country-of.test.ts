import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { countryOf } from '../../../src/routing/country-of';
import { numberFacts } from '../../../src/routing/number-facts';

/** A seeded generator (mulberry32): the same corpus on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uncached = (e164: string): string | undefined => parsePhoneNumberFromString(e164)?.country;
const codes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];

describe('countryOf: the compiled country lookup gives libphonenumber\'s answer', () => {
  it('for random numbers of every calling code and length (seeded corpus)', () => {
    const rand = seeded(14);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rand() * 10))).join('');
    const differ: string[] = [];
    let checked = 0;
    for (const code of codes) {
      for (let length = 0; length <= 18; length++) {
        for (let k = 0; k < 8; k++) {
          const n = `+${code}${digits(length)}`;
          checked++;
          if (countryOf(n) !== uncached(n)) differ.push(n);
        }
      }
    }
    expect(checked).toBeGreaterThan(30_000);
    expect(differ).toEqual([]);
  });

  it('for the leading digits that decide shared calling codes (+1 area codes, +44 ranges, +7, national prefixes)', () => {
    const rand = seeded(44);
    const differ: string[] = [];
    const shared = codes.filter((code) => getCountries().filter((c) => getCountryCallingCode(c) === code).length > 1);
    expect(shared).toEqual(expect.arrayContaining(['1', '44', '7', '47', '61', '358']));
    for (const code of shared) {
      for (let lead = 0; lead < 1000; lead++) {
        const head = String(lead).padStart(3, '0');
        for (const length of [7, 9, 10, 11]) {
          let n = `+${code}${head}`;
          while (n.length < 1 + code.length + length) n += String(Math.floor(rand() * 10));
          if (countryOf(n) !== uncached(n)) differ.push(n);
        }
      }
    }
    expect(differ).toEqual([]);
  });

  it('for every country\'s example numbers, and on input that is not +digits', () => {
    const differ: string[] = [];
    for (const country of getCountries()) {
      const n = getExampleNumber(country, examples)?.number;
      if (n !== undefined && countryOf(n) !== uncached(n)) differ.push(n);
    }
    expect(differ).toEqual([]);
    for (const odd of ['', '+', '+1', '+12', '442079460123', '+44 20 7946 0123', '+800123456', '+999123456', `+44${'9'.repeat(20)}`]) {
      expect(countryOf(odd)).toBe(uncached(odd));
    }
  });

  it('numberFacts reads its country this way and its type and national number from libphonenumber', () => {
    const facts = numberFacts('+441481256789');
    expect(facts.country).toBe('GG');
    expect(facts.type).toBe(parsePhoneNumberFromString('+441481256789')?.getType());
    expect(facts.national).toBe('1481256789');
    expect(numberFacts('+14165550199').country).toBe('CA');
  });
});
