import { join } from 'node:path';
import { PromptCatalog } from '../../src/prompts/catalog';
import { COUNTRY_LANGUAGES, languageForNumber, resolveLanguage } from '../../src/prompts/languages';
import { AppError } from '../../src/lib/errors';

const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
const has = (l: string): boolean => catalog.has(l);

describe('country → language', () => {
  it.each([
    ['+4930123456', 'de'],
    ['+43123456789', 'de'],
    ['+380441234567', 'uk'],
    ['+48221234567', 'pl'],
    ['+74951234567', 'ru'],
    ['+34911234567', 'es'],
    ['+525512345678', 'es-419'],
    ['+17875551234', 'es-419'],
    ['+12025550100', 'en'],
    ['+442037691880', 'en-GB'],
    ['+5511912345678', 'pt-BR'],
    ['+351211234567', 'pt'],
    ['+33123456789', 'fr'],
    ['+81312345678', 'ja'],
    ['+8613912345678', 'zh'],
    ['+995322123456', 'ka'],
    ['+966112345678', 'ar'],
    ['+37061234567', 'lt'],
  ])('%s speaks %s', (number, lang) => {
    expect(languageForNumber(number)).toBe(lang);
  });

  it('leaves countries without a pack to the engine default', () => {
    expect(languageForNumber('+66812345678')).toBeUndefined();
    expect(languageForNumber('+972501234567')).toBeUndefined();
  });

  it('names only languages that have a shipped pack, once per prefix', () => {
    for (const [, lang] of COUNTRY_LANGUAGES) expect(catalog.languages()).toContain(lang);
    const prefixes = COUNTRY_LANGUAGES.map(([p]) => p);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

describe('resolveLanguage', () => {
  const to = '+4930123456';
  it('serves a requested pack exactly, then its regional pack, then its base language', () => {
    expect(resolveLanguage({ requested: 'pt-BR', engineDefault: 'en', to }, has)).toBe('pt-BR');
    expect(resolveLanguage({ requested: 'pt_br', engineDefault: 'en', to }, has)).toBe('pt-BR');
    expect(resolveLanguage({ requested: 'es-MX', engineDefault: 'en', to }, has)).toBe('es-419');
    expect(resolveLanguage({ requested: 'en-AU', engineDefault: 'en', to }, has)).toBe('en-GB');
    expect(resolveLanguage({ requested: 'de-AT', engineDefault: 'en', to }, has)).toBe('de');
    expect(resolveLanguage({ requested: 'FR', engineDefault: 'en', to }, has)).toBe('fr');
  });

  it('refuses a requested language no pack serves rather than speaking another', () => {
    for (const requested of ['th', 'he-IL', 'x', '../../etc']) {
      expect(() => resolveLanguage({ requested, engineDefault: 'en', to }, has)).toThrow(AppError);
    }
  });

  it('without a request: key default, then the number, then the engine default, then English', () => {
    expect(resolveLanguage({ keyDefault: 'fr-CA', engineDefault: 'en', to }, has)).toBe('fr');
    expect(resolveLanguage({ engineDefault: 'es', to }, has)).toBe('de');
    expect(resolveLanguage({ engineDefault: 'es', to: '+66812345678' }, has)).toBe('es');
    expect(resolveLanguage({ engineDefault: 'th', to: '+66812345678' }, has)).toBe('en');
  });
});
