import { join } from 'node:path';
import { DEFAULT_SMS_TEMPLATE, smsTemplateFor } from '../../../src/app/sms';
import { configSchema } from '../../../src/config/schema';
import { manifestSchema, PromptCatalog } from '../../../src/prompts/catalog';
import { renderSmsText } from '../../../src/sms/template';

const catalog = new PromptCatalog(join(__dirname, '../../../sounds'));

describe('default SMS texts (code first)', () => {
  it('every language pack has an SMS text that starts with the code and names the brand', () => {
    expect(catalog.problems).toEqual([]);
    expect(catalog.languages().length).toBeGreaterThan(30);
    for (const lang of catalog.languages()) {
      const template = catalog.smsTemplate(lang);
      expect([lang, template?.startsWith('{code} ')]).toEqual([lang, true]);
      expect(template).toContain('{brand}');
      expect(renderSmsText(template as string, { code: '482913', brand: 'Acme' }).text.startsWith('482913 ')).toBe(true);
    }
  });

  it("uses the language pack's text unless sms.defaultTemplate is configured, and the built-in one for a language without a pack", () => {
    const packs = smsTemplateFor(configSchema.parse({}), catalog);
    expect(packs('de')).toBe('{code} ist Ihr Bestätigungscode für {brand}');
    expect(packs('en')).toBe('{code} is your {brand} verification code');
    expect(packs('xx')).toBe(DEFAULT_SMS_TEMPLATE);
    const configured = smsTemplateFor(configSchema.parse({ sms: { defaultTemplate: 'Code {code} from {brand}' } }), catalog);
    expect(configured('de')).toBe('Code {code} from {brand}');
  });

  it('refuses a pack whose SMS text does not put the code first', () => {
    const base = { lang: 'en', name: 'English', source: 'generated', prompts: {} };
    expect(manifestSchema.safeParse({ ...base, sms: 'Your {brand} code is {code}' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...base, sms: '{code} is your {brand} code' }).success).toBe(true);
  });
});
