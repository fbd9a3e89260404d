import { checkDialTemplate, DialTemplateError, renderDial } from '../../../src/pbx/dial-template';

/** What an attacker would try to slip into a dial string through any routed field. */
const HOSTILE = [
  ' ',
  ',',
  '&',
  '|',
  '(',
  ')',
  '{',
  '}',
  "'",
  '"',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '!',
  '^',
  ';',
  '=',
  '/',
  '@',
  'é',
  '\u202e',
];

describe('the one dial-string renderer', () => {
  it('renders the routed placeholders', () => {
    const values = { number: '+442037691880', dialNumber: '00442037691880', national: '2037691880', trunk: 'carrier-a' };
    expect(renderDial('asterisk', 'PJSIP/{number}@{trunk}', values)).toBe('PJSIP/00442037691880@carrier-a');
    expect(renderDial('freeswitch', 'sofia/gateway/{trunk}/{e164}', values)).toBe('sofia/gateway/carrier-a/+442037691880');
    expect(renderDial('asterisk', 'PJSIP/0{national}@x', values)).toBe('PJSIP/02037691880@x');
    expect(renderDial('asterisk', 'PJSIP/{digits}@x', values)).toBe('PJSIP/442037691880@x');
  });

  it.each(HOSTILE.map((c) => [JSON.stringify(c), c]))('keeps %s out of every placeholder value', (_, c) => {
    const base = { number: '+442037691880', dialNumber: '+442037691880', national: '2037691880', trunk: 'carrier-a' };
    const fields: Array<keyof typeof base> = ['number', 'dialNumber', 'national', 'trunk'];
    for (const family of ['asterisk', 'freeswitch'] as const) {
      for (const field of fields) {
        for (const value of [`${base[field]}${c}`, `${c}${base[field]}`, `${base[field].slice(0, 4)}${c}x${base[field].slice(4)}`]) {
          let out: string | undefined;
          try {
            out = renderDial(family, 'X/{number}/{e164}/{digits}/{national}/{trunk}', { ...base, [field]: value });
          } catch (err) {
            expect(err).toBeInstanceOf(DialTemplateError);
          }
          // If it rendered at all, the character is not in it unless the family allows it in templates.
          if (out !== undefined) expect(out.includes(c) && !/^[A-Za-z0-9_./@+:;=%-]$/.test(c)).toBe(false);
        }
      }
    }
  });

  it.each(HOSTILE.filter((c) => !['/', '@', ';', '='].includes(c)).map((c) => [JSON.stringify(c), c]))('refuses a template containing %s', (_, c) => {
    expect(checkDialTemplate('asterisk', `PJSIP/{number}${c}@x`)).toBeDefined();
    expect(checkDialTemplate('freeswitch', `sofia/gateway/x/{number}${c}`)).toBeDefined();
  });

  it('refuses unknown placeholders and templates that do not carry the number', () => {
    expect(checkDialTemplate('asterisk', 'PJSIP/{callee}@x')).toMatch(/only/);
    expect(checkDialTemplate('asterisk', 'PJSIP/123@{trunk}')).toMatch(/must contain/);
    expect(() => renderDial('asterisk', 'PJSIP/{number}@{trunk}', { number: '+442037691880' })).toThrow(/needs a trunk/);
  });
});
