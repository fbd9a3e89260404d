import { AppError } from '../verification/errors';

/**
 * Country calling code → prompt language, used when a request names no language and the key
 * has no default. Longest prefix wins (+1 is English, +1 514… stays English: no province data).
 */
export const COUNTRY_LANGUAGES: ReadonlyArray<readonly [prefix: string, lang: string]> = [
  ['1', 'en'],
  ['7', 'ru'],
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
  ['44', 'en'],
  ['45', 'da'],
  ['46', 'sv'],
  ['47', 'nb'],
  ['48', 'pl'],
  ['49', 'de'],
  ['51', 'es'],
  ['52', 'es'],
  ['53', 'es'],
  ['54', 'es'],
  ['55', 'pt-BR'],
  ['56', 'es'],
  ['57', 'es'],
  ['58', 'es'],
  ['60', 'ms'],
  ['61', 'en'],
  ['62', 'id'],
  ['64', 'en'],
  ['66', 'th'],
  ['81', 'ja'],
  ['82', 'ko'],
  ['84', 'vi'],
  ['86', 'zh'],
  ['90', 'tr'],
  ['91', 'hi'],
  ['351', 'pt'],
  ['352', 'fr'],
  ['353', 'en'],
  ['358', 'fi'],
  ['359', 'bg'],
  ['370', 'lt'],
  ['371', 'lv'],
  ['372', 'et'],
  ['373', 'ro'],
  ['374', 'hy'],
  ['375', 'ru'],
  ['380', 'uk'],
  ['381', 'sr'],
  ['385', 'hr'],
  ['386', 'sl'],
  ['420', 'cs'],
  ['421', 'sk'],
  ['966', 'ar'],
  ['971', 'ar'],
  ['972', 'he'],
  ['995', 'ka'],
];

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
 * Picks the pack for a call: the requested language (exact, then its base: `de-AT` → `de`);
 * with none requested, the key's default, then the number's country, then the engine default,
 * then English. A requested language that no installed pack serves is refused, so a client
 * never gets a language it did not ask for without knowing.
 */
export function resolveLanguage(choice: LanguageChoice, available: (lang: string) => boolean): string {
  if (choice.requested !== undefined) {
    if (!TAG.test(choice.requested)) throw new AppError('LANGUAGE_UNSUPPORTED', { details: { lang: choice.requested } });
    const tag = normalizeTag(choice.requested);
    const base = tag.split('-')[0] as string;
    if (available(tag)) return tag;
    if (available(base)) return base;
    throw new AppError('LANGUAGE_UNSUPPORTED', { details: { lang: choice.requested } });
  }
  for (const candidate of [choice.keyDefault, languageForNumber(choice.to), choice.engineDefault, 'en']) {
    if (candidate === undefined) continue;
    const tag = normalizeTag(candidate);
    if (available(tag)) return tag;
    const base = tag.split('-')[0] as string;
    if (available(base)) return base;
  }
  throw new AppError('LANGUAGE_UNSUPPORTED', { message: 'No language pack is installed' });
}
