import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * The caller number of an inbound call, as PBXs and carriers hand it over, in E.164: `+44…`,
 * `0044…` (`011…` in NANP), national (`07700…` with the DID's country), or the country code without
 * `+` (`447700…`). Visual separators (space, `-`, `.`, brackets) are dropped. Anything else is
 * not a number we can trust and gives undefined: letters (`anonymous`, `sipp`), a `;tag` or other
 * URI parameter, non-ASCII digits (`٠١٢`), fewer than 6 or more than 15 digits.
 */
export function normaliseCaller(raw: string, didCountry: string | undefined): string | undefined {
  const cleaned = raw.trim().replace(/[ ().-]/g, '');
  if (!/^\+?[0-9]{6,17}$/.test(cleaned)) return undefined;
  let candidate: string;
  if (cleaned.startsWith('+')) candidate = cleaned;
  else if (cleaned.startsWith('00')) candidate = `+${cleaned.slice(2)}`;
  else if (cleaned.startsWith('011') && (didCountry === 'US' || didCountry === 'CA')) candidate = `+${cleaned.slice(3)}`;
  else candidate = cleaned;
  if (candidate.startsWith('+')) return valid(candidate, undefined);
  // national first (the DID's country), then the digits as an international number without its +
  return (didCountry !== undefined ? valid(candidate, didCountry) : undefined) ?? valid(`+${candidate}`, undefined);
}

function valid(text: string, country: string | undefined): string | undefined {
  const digits = text.replace(/^\+/, '');
  if (digits.length > 15) return undefined;
  const parsed = country === undefined ? parsePhoneNumberFromString(text) : parsePhoneNumberFromString(text, country as CountryCode);
  return parsed?.isValid() ? parsed.number : undefined;
}
