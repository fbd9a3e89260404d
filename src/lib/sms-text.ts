/**
 * The one grammar of the texts a verification hands to the PBX: SMS sender IDs, brand names,
 * message templates and the bodies rendered from them. The API (its zod schemas and the start
 * policy), the configuration and both PBX drivers check with these functions, so every value the
 * API accepts is one that Asterisk and FreeSWITCH send in full, and nothing else (issue 11).
 *
 * Why each rule:
 * - A sender is the user part of the SIP MESSAGE `From` URI on both PBXs (res_pjsip
 *   `ast_sip_update_from` copies it unescaped; FreeSWITCH's `chat` API builds `sip:<from>@…`): no
 *   space, `&`, `|` or quote may appear in it. It is an alphanumeric sender ID (GSM 03.40 allows
 *   11 characters) starting with a letter or digit, or a phone number.
 * - Texts never hold control characters: Asterisk cuts a body at a NUL (C strings; the code was
 *   never sent), a newline ends an event-socket command, and bidi overrides spoof a brand. Nor `|`:
 *   FreeSWITCH's `chat` API splits its arguments on it and has no escape.
 * - A template's rendered body, with the longest brand and code, fits what the drivers send.
 */

export const SENDER_ALNUM_MAX = 11;
export const SENDER_DIGITS_MAX = 15;
export const BRAND_MAX = 32;
export const TEMPLATE_MAX = 480;
/** Longest code the engine says or sends (a caller-supplied code). */
export const CODE_DIGITS_MAX = 20;
/** Lengths of generated codes. */
export const CODE_LENGTH_MIN = 4;
export const CODE_LENGTH_MAX = 10;
/** Longest body a driver sends in one message. */
export const MESSAGE_BODY_MAX = 1000;

/** Alphanumeric sender (letter or digit first, then letters, digits, `.` `_` `-`), or a number. */
export const SENDER_PATTERN = /^(?:\+?[1-9][0-9]{2,14}|[A-Za-z0-9][A-Za-z0-9._-]{0,10})$/;

/** C0 and C1 controls and DEL: no text field of any kind holds them (NUL, newline, escape…). */
const CONTROL_CHARS = '\\u0000-\\u001F\\u007F-\\u009F';
export const NO_CONTROL_PATTERN = new RegExp(`^[^${CONTROL_CHARS}]*$`);

/**
 * What an SMS text may not contain: control characters, line and paragraph separators, bidi
 * embeddings, overrides and isolates, and `|`. Written without `\p{…}` so the same source is a
 * valid JSON Schema `pattern` in /openapi.json.
 */
export const TEXT_PATTERN = new RegExp(`^[^${CONTROL_CHARS}\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069|]*$`);
/** A lone surrogate cannot be encoded as UTF-8: the PBX would get a replacement character or nothing. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A problem with any text field (a language, a URL, a compat parameter), or undefined. */
export function controlCharProblem(value: string): string | undefined {
  return NO_CONTROL_PATTERN.test(value) ? undefined : 'must not contain control characters';
}

/** A problem with a text that goes into an SMS, or undefined when it is fine. */
export function textProblem(value: string): string | undefined {
  if (!TEXT_PATTERN.test(value)) return 'must not contain control characters, line separators, bidi controls or |';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode';
  return undefined;
}

export function senderProblem(value: string): string | undefined {
  if (SENDER_PATTERN.test(value)) return undefined;
  return `must be up to ${SENDER_ALNUM_MAX} letters, digits and . _ - (starting with a letter or digit), or a phone number of up to ${SENDER_DIGITS_MAX} digits`;
}

export function brandProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > BRAND_MAX || !/\S/.test(value)) return `must be 1 to ${BRAND_MAX} characters, not only spaces`;
  return textProblem(value);
}

/** `{code}` and `{brand}` in a template; nothing else is interpreted. */
export function renderTemplate(template: string, values: { code: string; brand: string }): string {
  return template.replace(/\{(code|brand)\}/g, (_, name: 'code' | 'brand') => values[name]);
}

/** Length of the body rendered from `template` with the longest brand and code. */
export function longestBody(template: string): number {
  return renderTemplate(template, { code: '0'.repeat(CODE_DIGITS_MAX), brand: 'b'.repeat(BRAND_MAX) }).length;
}

export function templateProblem(value: string): string | undefined {
  if (!value.includes('{code}')) return 'must contain {code}';
  if (value.length > TEMPLATE_MAX) return `must be at most ${TEMPLATE_MAX} characters`;
  const text = textProblem(value);
  if (text !== undefined) return text;
  if (longestBody(value) > MESSAGE_BODY_MAX) return `rendered with the longest brand and code, must fit ${MESSAGE_BODY_MAX} characters (fewer {brand})`;
  return undefined;
}

/** What a driver sends: 1 to {@link MESSAGE_BODY_MAX} characters of text. */
export function messageBodyProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > MESSAGE_BODY_MAX) return `must be 1 to ${MESSAGE_BODY_MAX} characters`;
  return textProblem(value);
}
