import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchema } from '../../src/prompts/catalog';
import { PROMPT_IDS } from '../../src/prompts/ids';

const SOUNDS = join(__dirname, '../../sounds');
const manifests = readdirSync(SOUNDS, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'silence')
  .map((e) => manifestSchema.parse(JSON.parse(readFileSync(join(SOUNDS, e.name, 'manifest.json'), 'utf8'))));

describe.each(manifests.map((m) => [m.lang, m] as const))('the %s manifest', (_lang, m) => {
  it('has a text for every prompt id and nothing else', () => {
    expect(Object.keys(m.prompts).sort()).toEqual([...PROMPT_IDS].sort());
    for (const id of Object.keys(m.tts ?? {})) expect(PROMPT_IDS).toContain(id);
  });

  it('has ten different digit words and ten different gate questions', () => {
    const digits = PROMPT_IDS.filter((id) => id.startsWith('digit-')).map((id) => m.prompts[id]);
    const gates = PROMPT_IDS.filter((id) => id.startsWith('gate-press-')).map((id) => m.prompts[id]);
    expect(new Set(digits).size).toBe(10);
    expect(new Set(gates).size).toBe(10);
  });

  it('is generated with a named espeak-ng voice and documents its conventions', () => {
    expect(m.source).toBe('generated');
    expect(m.voice).toMatch(/^[a-z0-9-]+$/);
    expect(m.nativeName).toBeTruthy();
    expect(m.notes).toBeTruthy();
  });

  it('keeps espeak-ng phoneme input out of the texts people read, and balanced in tts', () => {
    for (const text of Object.values(m.prompts)) expect(text).not.toMatch(/\[\[|\]\]/);
    for (const text of Object.values(m.tts ?? {})) expect(text.split('[[').length).toBe(text.split(']]').length);
  });
});
