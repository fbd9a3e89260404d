/**
 * Number patterns of the abuse configuration: `+` and digits, `X` for any digit, matched as a
 * prefix of an E.164 number. `+1900` matches every +1 900 number; `+1XXX55501XX` the NANP
 * fiction range (555-0100…0199) of every area code.
 */
export function matchesPattern(e164: string, pattern: string): boolean {
  if (pattern.length > e164.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== 'X' && p !== e164[i]) return false;
    if (p === 'X' && !/[0-9]/.test(e164[i] as string)) return false;
  }
  return true;
}

export function matchesAny(e164: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesPattern(e164, p));
}

/** The number range (block) a number belongs to: the number without its last `digits` digits. */
export function rangeOf(e164: string, digits: number): string {
  return e164.slice(0, Math.max(2, e164.length - digits));
}
