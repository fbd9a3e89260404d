import { readFileSync } from 'node:fs';
import { API_DOC, renderApiDoc } from '../../scripts/docs-api';
import { startBody } from '../../src/api/routes/verifications';

/**
 * Issue 11: docs/api.md disagreed with the request schemas. Its request tables are generated from
 * them (`npm run docs:api`); these tests fail when the file is stale, and probe the schema at
 * every limit the page states, as a reader would.
 */
describe('docs/api.md', () => {
  const doc = readFileSync(API_DOC, 'utf8');

  it('carries exactly the request tables the zod schemas render (run npm run docs:api)', () => {
    expect(doc).toBe(renderApiDoc(doc));
  });

  it('states limits the start request schema enforces, at both ends', () => {
    const section = doc.slice(doc.indexOf('<!-- generated: start-request'), doc.indexOf('<!-- /generated -->', doc.indexOf('<!-- generated: start-request')));
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\w+) \| [^|]* \| (.*?) \| .* \|$/gm)].map((m) => ({ field: m[1] as string, type: m[2] as string, limits: m[3] as string }));
    expect(rows.map((r) => r.field)).toEqual(Object.keys(startBody.shape));
    const accepts = (field: string, value: unknown): boolean => startBody.safeParse({ to: '+12025550100', [field]: value }).success;
    // a value of `length` that passes the field's other rules
    const text = (field: string, length: number): string => (field === 'code' ? '1'.repeat(length) : field === 'message_template' ? `{code}${'a'.repeat(length - 6)}` : 'a'.repeat(length));
    const probed: string[] = [];
    for (const { field, type, limits } of rows) {
      const range = /(?:^|; )(\d+)–(\d+)(?: characters)?(?:;|$)/.exec(limits);
      const max = /≤ (\d+) characters/.exec(limits);
      if (type === 'integer' && range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])];
        expect({ field, lo: accepts(field, lo), hi: accepts(field, hi), below: accepts(field, lo - 1), above: accepts(field, hi + 1) }).toEqual({ field, lo: true, hi: true, below: false, above: false });
        probed.push(field);
      } else if (type === 'string' && (max || range)) {
        const hi = Number(max ? max[1] : range?.[2]);
        const lo = range ? Number(range[1]) : undefined;
        expect({ field, hi: accepts(field, text(field, hi)), above: accepts(field, text(field, hi + 1)) }).toEqual({ field, hi: true, above: false });
        if (lo !== undefined && lo > 0) expect({ field, below: accepts(field, text(field, lo - 1)) }).toEqual({ field, below: false });
        probed.push(field);
      }
    }
    expect(probed).toEqual(expect.arrayContaining(['lang', 'code', 'code_length', 'caller_id', 'brand', 'message_template', 'callback_url', 'expiry_seconds']));
  });
});
