import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { AppError } from '../../src/lib/errors';
import { parseE164 } from '../../src/verification/numbers';

/**
 * parseE164 matches a number's type once and derives its validity from it (issue 18). This
 * compares it with the two-pass path it replaced (`isValid()`, then `getType()`) over a large
 * generated set: every region's example number, its last digits, its leading digits and its
 * length varied with a seeded generator, plus random digit strings behind every calling code.
 */
function twoPass(input: string): unknown {
  if (!/^\+[1-9]\d{6,14}$/.test(input)) return 'NUMBER_NOT_E164';
  const parsed = parsePhoneNumberFromString(input);
  if (!parsed || !parsed.isValid()) return 'NUMBER_INVALID';
  return { e164: parsed.number, country: parsed.country, callingCode: parsed.countryCallingCode, national: parsed.nationalNumber, type: parsed.getType() };
}

function onePass(input: string): unknown {
  try {
    return parseE164(input);
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

/** Deterministic (mulberry32), so a failure names a number that fails again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(): string[] {
  const next = random(18);
  const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(next() * 10))).join('');
  const out: string[] = [];
  for (const [region, national] of Object.entries(examples as Record<string, string>)) {
    const cc = getCountryCallingCode(region as CountryCode);
    for (let i = 0; i < 80; i++) {
      const keep = Math.floor(next() * national.length);
      out.push(`+${cc}${national.slice(0, keep)}${digits(national.length - keep)}`); // same length, the tail varied
    }
    for (let i = 0; i < 30; i++) out.push(`+${cc}${digits(national.length)}`); // any leading digits
    for (let i = 0; i < 30; i++) out.push(`+${cc}${national.slice(0, 3)}${digits(Math.max(0, national.length - 3 + Math.floor(next() * 5) - 2))}`); // other lengths
  }
  for (let i = 0; i < 10_000; i++) out.push(`+${String(1 + Math.floor(next() * 9))}${digits(6 + Math.floor(next() * 9))}`); // random E.164-shaped strings
  return out;
}

describe('parseE164: type matched once, validity derived from it', () => {
  it('gives the same answer as isValid() + getType() on a large generated set of numbers', () => {
    const numbers = generated();
    expect(numbers.length).toBeGreaterThan(40_000);
    const differ = numbers.filter((n) => JSON.stringify(onePass(n)) !== JSON.stringify(twoPass(n)));
    expect(differ.slice(0, 10)).toEqual([]);
    // The set is not trivial: it holds valid numbers of many countries and many invalid ones.
    const valid = numbers.map(onePass).filter((r): r is { country?: string; type?: string } => typeof r === 'object');
    expect(valid.length).toBeGreaterThan(10_000);
    expect(new Set(valid.map((r) => r.country)).size).toBeGreaterThan(200);
    expect(new Set(valid.map((r) => r.type)).size).toBeGreaterThan(4);
    expect(numbers.length - valid.length).toBeGreaterThan(10_000);
  });
});
