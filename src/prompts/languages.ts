import { AppError } from '../lib/errors';

/**
 * Country calling code → prompt language, used when a request names no language and the key
 * has no default. Longest prefix wins: +1 is US English, +1 787 (Puerto Rico) is Latin American
 * Spanish. One language per country, the one most callees there understand best; a country not
 * listed falls through to the engine default. Every language here has a shipped pack (tested).
 * docs/prompts.md prints this table.
 */
export const COUNTRY_LANGUAGES: ReadonlyArray<readonly [prefix: string, lang: string]> = [
  ['1', 'en'],
  ['1787', 'es-419'],
  ['1939', 'es-419'],
  ['7', 'ru'],
  ['20', 'ar'],
  ['27', 'en-GB'],
  ['30', 'el'],
  ['31', 'nl'],
  ['32', 'nl'],
  ['33', 'fr'],
  ['34', 'es'],
  ['36', 'hu'],
  ['39', 'it'],
  ['40', 'ro'],
  ['41', 'de'],
  ['43', 'de'],
  ['44', 'en-GB'],
  ['45', 'da'],
  ['46', 'sv'],
  ['47', 'nb'],
  ['48', 'pl'],
  ['49', 'de'],
  ['51', 'es-419'],
  ['52', 'es-419'],
  ['53', 'es-419'],
  ['54', 'es-419'],
  ['55', 'pt-BR'],
  ['56', 'es-419'],
  ['57', 'es-419'],
  ['58', 'es-419'],
  ['60', 'ms'],
  ['61', 'en-GB'],
  ['62', 'id'],
  ['63', 'en'],
  ['64', 'en-GB'],
  ['65', 'en-GB'],
  ['81', 'ja'],
  ['82', 'ko'],
  ['84', 'vi'],
  ['86', 'zh'],
  ['90', 'tr'],
  ['91', 'hi'],
  ['212', 'ar'],
  ['213', 'ar'],
  ['216', 'ar'],
  ['218', 'ar'],
  ['244', 'pt'],
  ['249', 'ar'],
  ['258', 'pt'],
  ['351', 'pt'],
  ['352', 'fr'],
  ['353', 'en-GB'],
  ['356', 'en-GB'],
  ['357', 'el'],
  ['358', 'fi'],
  ['359', 'bg'],
  ['370', 'lt'],
  ['371', 'lv'],
  ['372', 'et'],
  ['373', 'ro'],
  ['374', 'hy'],
  ['375', 'ru'],
  ['376', 'ca'],
  ['377', 'fr'],
  ['378', 'it'],
  ['380', 'uk'],
  ['381', 'sr'],
  ['382', 'sr'],
  ['385', 'hr'],
  ['386', 'sl'],
  ['387', 'hr'],
  ['420', 'cs'],
  ['421', 'sk'],
  ['423', 'de'],
  ['502', 'es-419'],
  ['503', 'es-419'],
  ['504', 'es-419'],
  ['505', 'es-419'],
  ['506', 'es-419'],
  ['507', 'es-419'],
  ['591', 'es-419'],
  ['593', 'es-419'],
  ['595', 'es-419'],
  ['598', 'es-419'],
  ['886', 'zh'],
  ['961', 'ar'],
  ['962', 'ar'],
  ['963', 'ar'],
  ['964', 'ar'],
  ['965', 'ar'],
  ['966', 'ar'],
  ['967', 'ar'],
  ['968', 'ar'],
  ['970', 'ar'],
  ['971', 'ar'],
  ['973', 'ar'],
  ['974', 'ar'],
  ['995', 'ka'],
];

/**
 * Regional packs a requested tag reaches before its base language: Spanish of a Latin American
 * country is `es-419` (not Spain's `es`), English of a Commonwealth country is `en-GB`.
 */
const LATIN_AMERICA = ['AR', 'BO', 'CL', 'CO', 'CR', 'CU', 'DO', 'EC', 'GT', 'HN', 'MX', 'NI', 'PA', 'PE', 'PR', 'PY', 'SV', 'US', 'UY', 'VE'];
const BRITISH_ENGLISH = ['AU', 'GB', 'IE', 'IN', 'MT', 'NZ', 'SG', 'UK', 'ZA'];

export function regionalPack(tag: string): string | undefined {
  const [lang, region] = tag.split('-');
  if (region === undefined) return undefined;
  if (lang === 'es' && LATIN_AMERICA.includes(region)) return 'es-419';
  if (lang === 'en' && BRITISH_ENGLISH.includes(region)) return 'en-GB';
  return undefined;
}

const BY_LENGTH = [...COUNTRY_LANGUAGES].sort((a, b) => b[0].length - a[0].length);

/** The language for an E.164 number's country, if the table has one. */
export function languageForNumber(e164: string): string | undefined {
  const digits = e164.replace(/^\+/, '');
  return BY_LENGTH.find(([prefix]) => digits.startsWith(prefix))?.[1];
}

const TAG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;

/** `pt_br` → `pt-BR`, `DE` → `de`, `zh-hant` → `zh-Hant`. */
export function normalizeTag(tag: string): string {
  const [lang, ...rest] = tag.replace(/_/g, '-').split('-');
  return [
    (lang as string).toLowerCase(),
    ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part.length === 4 ? part[0]!.toUpperCase() + part.slice(1).toLowerCase() : part.toLowerCase())),
  ].join('-');
}

export interface LanguageChoice {
  requested?: string | undefined;
  keyDefault?: string | undefined;
  engineDefault: string;
  to: string;
}

/**
 * Picks the pack for a call: the requested language (exact, then its regional pack: `es-MX` →
 * `es-419`, then its base: `de-AT` → `de`);
 * with none requested, the key's default, then the number's country, then the engine default,
 * then English. A requested language that no installed pack serves is refused, so a client
 * never gets a language it did not ask for without knowing.
 */
export function resolveLanguage(choice: LanguageChoice, available: (lang: string) => boolean): string {
  if (choice.requested !== undefined) {
    const pack = TAG.test(choice.requested) ? packFor(choice.requested, available) : undefined;
    if (pack === undefined) throw new AppError('LANGUAGE_UNSUPPORTED', { details: { lang: choice.requested } });
    return pack;
  }
  for (const candidate of [choice.keyDefault, languageForNumber(choice.to), choice.engineDefault, 'en']) {
    if (candidate === undefined || !TAG.test(candidate)) continue;
    const pack = packFor(candidate, available);
    if (pack !== undefined) return pack;
  }
  throw new AppError('LANGUAGE_UNSUPPORTED', { message: 'No language pack is installed' });
}

/** The pack serving a tag: exact, then regional (`es-MX` → `es-419`), then base (`de-AT` → `de`). */
function packFor(requested: string, available: (lang: string) => boolean): string | undefined {
  const tag = normalizeTag(requested);
  const regional = regionalPack(tag);
  const base = tag.split('-')[0] as string;
  return [tag, regional, base].find((c): c is string => c !== undefined && available(c));
}
