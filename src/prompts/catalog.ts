import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROMPT_IDS } from './ids';
import { templateProblem } from '../lib/sms-text';

/** sounds/<lang>/manifest.json: the texts a pack was made from, and how. */
export const manifestSchema = z.object({
  /** BCP 47 tag as packs use it: `de`, `pt-BR`, `es-419`, `zh-Hant`. */
  lang: z.string().regex(/^[a-z]{2,3}(-(?:[A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$/),
  /** English name and the language's own name. */
  name: z.string(),
  nativeName: z.string().optional(),
  /** `generated` (espeak-ng) or `recorded` (replaced by human recordings). */
  source: z.enum(['generated', 'recorded', 'placeholder']),
  /** espeak-ng voice used to generate the pack. */
  voice: z.string().optional(),
  /** espeak-ng speed in words per minute (default 150: slower than conversation, as phone prompts are). */
  speed: z.number().int().min(80).max(260).optional(),
  /** espeak-ng speed for the digit prompts (default 115: a lone digit word said carefully, as one reads a code out). */
  digitSpeed: z.number().int().min(80).max(260).optional(),
  /** The text of each prompt, as a native speaker would say it on the phone (what a voice artist reads). */
  prompts: z.record(z.string(), z.string().min(1)),
  /**
   * Where espeak-ng needs help to say a prompt right: the same words respelled for the
   * synthesizer (kana for Japanese, vowel marks for Arabic, a stress-safe spelling). Only read by
   * the generator; absent ids use `prompts`.
   */
  tts: z.record(z.string(), z.string().min(1)).optional(),
  /** Notes for translators and reviewers (conventions chosen, e.g. how the hash key is named). */
  notes: z.string().optional(),
  /**
   * The default verification SMS in this language: `{code}` first (a truncated preview still
   * shows it), then `{brand}`; checked by the one template grammar (src/lib/sms-text.ts).
   */
  sms: z
    .string()
    .refine((t) => t.startsWith('{code}'), 'must start with {code} (code first)')
    .superRefine((t, ctx) => {
      const problem = templateProblem(t);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface PackInfo {
  lang: string;
  name: string;
  /** The pack's default SMS text (code first), if it has one. */
  sms: string | undefined;
  source: Manifest['source'];
  dir: string;
  /** Prompt id → duration in ms (from the WAV header, or estimated from the text when absent). */
  durations: Map<string, number>;
  hasAudio: boolean;
}

/**
 * The installed language packs. Loaded once at start-up from `sounds/`; a pack whose manifest is
 * missing ids or does not parse is reported and left out rather than half-used.
 */
export class PromptCatalog {
  private readonly packs = new Map<string, PackInfo>();
  readonly problems: string[] = [];

  constructor(readonly soundsDir: string) {
    if (!existsSync(soundsDir)) {
      this.problems.push(`sounds directory ${soundsDir} does not exist`);
      return;
    }
    for (const entry of readdirSync(soundsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(soundsDir, entry.name);
      const manifestPath = join(dir, 'manifest.json');
      if (!existsSync(manifestPath)) continue;
      const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(manifestPath, 'utf8')));
      if (!parsed.success) {
        this.problems.push(`${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        continue;
      }
      const manifest = parsed.data;
      const missing = PROMPT_IDS.filter((id) => !(id in manifest.prompts));
      if (missing.length) {
        this.problems.push(`${manifestPath}: missing prompts ${missing.join(', ')}`);
        continue;
      }
      const durations = new Map<string, number>();
      let hasAudio = true;
      for (const id of PROMPT_IDS) {
        const wav = join(dir, `${id}.wav`);
        const fromHeader = existsSync(wav) ? wavDurationMs(readFileSync(wav)) : undefined;
        if (fromHeader === undefined) hasAudio = false;
        durations.set(id, fromHeader ?? estimateMs(manifest.prompts[id] as string));
      }
      this.packs.set(manifest.lang, { lang: manifest.lang, name: manifest.name, sms: manifest.sms, source: manifest.source, dir, durations, hasAudio });
    }
  }

  languages(): string[] {
    return [...this.packs.keys()].sort();
  }

  has(lang: string): boolean {
    return this.packs.has(lang);
  }

  pack(lang: string): PackInfo | undefined {
    return this.packs.get(lang);
  }

  /** The default SMS text of a language (its pack's `sms`), if the pack has one. */
  smsTemplate(lang: string): string | undefined {
    return this.packs.get(lang)?.sms;
  }

  /** Duration of a prompt in ms; 0 for an unknown language or id. */
  durationMs(lang: string, id: string): number {
    return this.packs.get(lang)?.durations.get(id) ?? 0;
  }
}

/** Speech runs at about 14 characters a second; good enough to time a simulated call. */
function estimateMs(text: string): number {
  return Math.max(350, Math.round((text.length / 14) * 1000));
}

/** Duration of a PCM WAV from its header, or undefined if it is not one. */
export function wavDurationMs(buf: Buffer): number | undefined {
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') byteRate = buf.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate ? Math.round((Math.min(size, buf.length - offset - 8) / byteRate) * 1000) : undefined;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
