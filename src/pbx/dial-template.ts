/**
 * The one dial-string renderer. Every dial string and SIP MESSAGE destination that reaches a PBX
 * is built here, from a template of the configuration (`calls.trunk`'s driver template or a routed
 * trunk's `dial:` entry) and values that are checked again here, whatever checked them before:
 * one space, comma, `&`, brace or newline would change what Asterisk's Dial or FreeSWITCH's
 * `originate` does (they split on those), and a newline would start a new ESL command.
 */

/** The PBX families a template is written for; each has its own set of safe characters. */
export type DialFamily = 'asterisk' | 'freeswitch';

/** Characters a rendered string may hold, per family (no space , | & ( ) { } ! ^ quotes or controls). */
const SAFE: Readonly<Record<DialFamily, RegExp>> = {
  asterisk: /^[A-Za-z0-9_./@+:-]+$/,
  freeswitch: /^[A-Za-z0-9_.+@:/;=%-]+$/,
};

const PLACEHOLDER = /\{([^{}]*)\}/g;
/** `{number}` the number as the trunk dials it, `{e164}` with `+`, `{digits}` without, `{national}` the national significant number, `{trunk}`. */
export const PLACEHOLDERS = ['number', 'e164', 'digits', 'national', 'trunk'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const E164 = /^\+[1-9]\d{6,14}$/;
/** A number as a trunk dials it: optional tech prefix digits, optional `+`, digits. */
const DIAL_NUMBER = /^[0-9]{0,10}\+?[0-9]{4,20}$/;
const NATIONAL = /^[0-9]{2,17}$/;
export const TRUNK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class DialTemplateError extends RangeError {
  override name = 'DialTemplateError';
  constructor(
    readonly field: 'template' | 'number' | 'trunk' | 'national' | 'result',
    message: string,
  ) {
    super(message);
  }
}

export interface DialValues {
  /** The destination, E.164 with `+`. */
  number: string;
  /** The number formatted for the trunk (format and tech prefix); `number` when absent. */
  dialNumber?: string | undefined;
  /** National significant number, for `{national}`. */
  national?: string | undefined;
  trunk?: string | undefined;
}

/**
 * Why a template cannot be used, or undefined when it can. `requireNumber`: the template must
 * carry the destination (dial strings do; a message destination may put it elsewhere).
 */
export function checkDialTemplate(family: DialFamily, template: string, requireNumber = true): string | undefined {
  if (template.length === 0 || template.length > 200) return 'must be 1-200 characters';
  let carriesNumber = false;
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name as string)) return `only ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')} may be used in braces`;
    if (name !== 'trunk') carriesNumber = true;
  }
  if (requireNumber && !carriesNumber) return 'must contain {number}, {e164}, {digits} or {national}';
  const rest = template.replace(PLACEHOLDER, 'x');
  if (/[{}]/.test(rest)) return 'has an unbalanced { or }';
  if (!SAFE[family].test(rest)) {
    return family === 'asterisk' ? 'may only contain letters, digits, placeholders and _ . / @ + : -' : 'may only contain letters, digits, placeholders and _ . + @ : / ; = % -';
  }
  return undefined;
}

/** Renders one template. Throws {@link DialTemplateError} on a bad template or value. */
export function renderDial(family: DialFamily, template: string, values: DialValues): string {
  const problem = checkDialTemplate(family, template, false);
  if (problem) throw new DialTemplateError('template', `dial template ${problem}`);
  if (!E164.test(values.number)) throw new DialTemplateError('number', 'the destination is not an E.164 number');
  const dialNumber = values.dialNumber ?? values.number;
  if (!DIAL_NUMBER.test(dialNumber)) throw new DialTemplateError('number', 'the formatted number has characters other than digits and +');
  const out = template.replace(PLACEHOLDER, (_, name: Placeholder) => {
    switch (name) {
      case 'number':
        return dialNumber;
      case 'e164':
        return values.number;
      case 'digits':
        return values.number.slice(1);
      case 'national':
        if (values.national === undefined || !NATIONAL.test(values.national)) throw new DialTemplateError('national', 'the template needs the national number and none is valid');
        return values.national;
      case 'trunk':
        if (values.trunk === undefined) throw new DialTemplateError('trunk', 'the dial string template needs a trunk (calls.trunk) and none was given');
        if (!TRUNK_NAME.test(values.trunk)) throw new DialTemplateError('trunk', 'the trunk name is not valid (letters, digits and _ . -)');
        return values.trunk;
    }
  });
  if (!SAFE[family].test(out)) throw new DialTemplateError('result', 'the rendered dial string has characters the PBX would split on');
  return out;
}
