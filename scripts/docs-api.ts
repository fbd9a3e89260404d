/**
 * Writes the request tables of docs/api.md from the zod schemas the API validates with:
 * `npm run docs:api` (rewrite) or `npm run docs:api -- --check` (exit 1 when stale). Each table
 * sits between `<!-- generated: NAME -->` and `<!-- /generated -->`; test/unit/api-docs.test.ts
 * fails when the file differs from what this renders, so documented limits are the schema's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { QUERY_TO_ERRORS, queryE164 } from '../src/api/query-number';
import { checkBody, checkByNumberBody, startBody } from '../src/api/routes/verifications';
import { BRAND_MAX, CODE_DIGITS_MAX, MESSAGE_BODY_MAX, NO_CONTROL_PATTERN, SENDER_PATTERN, TEXT_PATTERN } from '../src/lib/sms-text';

export const API_DOC = join(__dirname, '..', 'docs', 'api.md');

interface Property {
  type?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  allOf?: Array<{ pattern?: string }>;
  description?: string;
}

/** Patterns in words; anything else is printed as the pattern itself. */
const PATTERNS: Record<string, string> = {
  [TEXT_PATTERN.source]: 'no control characters, line or paragraph separators, bidi controls or `|`',
  [NO_CONTROL_PATTERN.source]: 'no control characters',
  [SENDER_PATTERN.source]: 'letters, digits and `. _ -`, first a letter or digit, ≤ 11; or a number of 3–15 digits with an optional `+`',
  '^\\+[1-9][0-9]{6,14}$': 'E.164: `+` and 7–15 digits',
  '^[0-9]+$': 'digits',
  '\\{code\\}': 'contains `{code}`',
  '^[a-z0-9][a-z0-9-]{0,39}$': 'lower-case letters, digits and `-`',
};

function limits(p: Property): string {
  const parts: string[] = [];
  if (p.enum) parts.push(p.enum.map((v) => `\`${String(v)}\``).join(' | '));
  if (p.minLength !== undefined && p.maxLength !== undefined) parts.push(`${p.minLength}–${p.maxLength} characters`);
  else if (p.maxLength !== undefined) parts.push(`≤ ${p.maxLength} characters`);
  else if (p.minLength !== undefined) parts.push(`≥ ${p.minLength} characters`);
  if (p.minimum !== undefined && p.maximum !== undefined) parts.push(`${p.minimum}–${p.maximum}`);
  for (const pattern of [p.pattern, ...(p.allOf ?? []).map((a) => a.pattern)]) {
    if (pattern !== undefined) parts.push(PATTERNS[pattern] ?? `\`${pattern}\``);
  }
  return parts.join('; ') || '—';
}

/** A markdown table of an object schema: field, type, required, limits, notes. */
export function table(schema: z.ZodType, notes: Record<string, string> = {}): string {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, Property>; required?: string[] };
  const rows = Object.entries(json.properties).map(([name, p]) => {
    const type = p.enum ? 'enum' : (p.type ?? 'any');
    const required = json.required?.includes(name) ? 'yes' : '';
    const note = [p.description, notes[name]].filter(Boolean).join('. ');
    const cell = (text: string): string => text.replaceAll('|', '\\|');
    return `| \`${name}\` | ${type} | ${required} | ${cell(limits(p))} | ${cell(note)} |`;
  });
  return ['| field | type | required | limits | notes |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Every generated section of docs/api.md, by name. */
export function sections(): Record<string, string> {
  return {
    'start-request': table(startBody, {
      brand: 'Not only spaces',
      message_template: `Rendered with the longest brand (${BRAND_MAX}) and code (${CODE_DIGITS_MAX} digits) it must fit ${MESSAGE_BODY_MAX} characters, the longest message both drivers send`,
    }),
    'check-request': table(checkBody),
    'check-by-number-request': table(checkByNumberBody),
    'query-number': [
      table(z.object({ to: queryE164.optional() })),
      '',
      `Codes: ${Object.entries(QUERY_TO_ERRORS.to ?? {})
        .map(([issue, mapped]) => `${issue === 'custom' ? 'a leading space (an unencoded +)' : 'not E.164'} → \`${typeof mapped === 'string' ? mapped : mapped.code}\``)
        .join(', ')}.`,
    ].join('\n'),
  };
}

/** `doc` with every generated section rendered afresh. Throws when a marker is missing. */
export function renderApiDoc(doc: string): string {
  let out = doc;
  for (const [name, body] of Object.entries(sections())) {
    const start = `<!-- generated: ${name} (npm run docs:api) -->`;
    const from = out.indexOf(start);
    const to = out.indexOf('<!-- /generated -->', from);
    if (from < 0 || to < 0) throw new Error(`docs/api.md has no generated section "${name}"`);
    out = `${out.slice(0, from + start.length)}\n${body}\n${out.slice(to)}`;
  }
  return out;
}

if (require.main === module) {
  const current = readFileSync(API_DOC, 'utf8');
  const next = renderApiDoc(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('docs/api.md is stale: run npm run docs:api\n');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(API_DOC, next);
    process.stdout.write('docs/api.md updated\n');
  }
}
