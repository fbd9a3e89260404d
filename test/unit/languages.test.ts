import { languageForNumber, normalizeTag, resolveLanguage } from '../../src/prompts/languages';
import { AppError } from '../../src/lib/errors';

const installed = new Set(['en', 'de', 'uk', 'pl', 'pt-BR', 'pt']);
const available = (lang: string): boolean => installed.has(lang);

describe('prompt language', () => {
  it('picks the requested language, falling back from a region to its base', () => {
    expect(resolveLanguage({ requested: 'de', engineDefault: 'en', to: '+12025550100' }, available)).toBe('de');
    expect(resolveLanguage({ requested: 'de-AT', engineDefault: 'en', to: '+12025550100' }, available)).toBe('de');
    expect(resolveLanguage({ requested: 'pt_br', engineDefault: 'en', to: '+12025550100' }, available)).toBe('pt-BR');
  });

  it('refuses a requested language no pack serves', () => {
    expect(() => resolveLanguage({ requested: 'xx', engineDefault: 'en', to: '+12025550100' }, available)).toThrow(AppError);
    expect(() => resolveLanguage({ requested: '../../etc', engineDefault: 'en', to: '+12025550100' }, available)).toThrow(AppError);
  });

  it("uses the key's default, then the number's country, then the engine default", () => {
    expect(resolveLanguage({ keyDefault: 'pl', engineDefault: 'en', to: '+4915112345678' }, available)).toBe('pl');
    expect(resolveLanguage({ engineDefault: 'en', to: '+4915112345678' }, available)).toBe('de');
    expect(resolveLanguage({ engineDefault: 'en', to: '+380501234567' }, available)).toBe('uk');
    expect(resolveLanguage({ engineDefault: 'en', to: '+33612345678' }, available)).toBe('en');
  });

  it('maps country codes by longest prefix', () => {
    expect(languageForNumber('+380501234567')).toBe('uk');
    expect(languageForNumber('+48601234567')).toBe('pl');
    expect(languageForNumber('+5511987654321')).toBe('pt-BR');
    // Ireland (+353) hears British English: longer than +35x, no shorter prefix wins.
    expect(languageForNumber('+35312345678')).toBe('en-GB');
    expect(languageForNumber('+17875551234')).toBe('es-419');
    expect(normalizeTag('ZH-hant')).toBe('zh-Hant');
  });
});
