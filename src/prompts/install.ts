import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMPT_IDS } from './ids';
import { SILENCE_PARTS } from './media';
import { installedWav, type PbxFlavour } from './pbx-audio';

export type { PbxFlavour } from './pbx-audio';

/**
 * `pbxverify prompts install`: copies the packs and the silence parts into a PBX's sounds
 * directory under `pbxverify/`, laid out the way each PBX looks files up.
 *
 * Asterisk (`sound:pbxverify/de/digit-4`, sounds dir usually /var/lib/asterisk/sounds):
 *   pbxverify/<lang>/<id>.wav        8 kHz
 *   pbxverify/<lang>/<id>.wav16      16 kHz, when a wideband set is given (format_wav's wav16)
 *   pbxverify/silence/<ms>.wav[16]
 * Asterisk picks, per channel, the file whose format is cheapest to translate.
 * Files are written as each PBX plays them exactly (whole 20 ms frames; for Asterisk the tail its
 * WAV reader drops), see pbx-audio.ts: they are not byte-for-byte copies of `sounds/`.
 *
 * FreeSWITCH (`pbxverify/de/digit-4.wav` relative to $${sounds_dir}, usually
 * /usr/share/freeswitch/sounds): mod_sndfile first looks for `<dir>/<rate>/<file>` at the
 * channel's rate, as FreeSWITCH's own sound packs are laid out:
 *   pbxverify/<lang>/8000/<id>.wav
 *   pbxverify/<lang>/16000/<id>.wav  when a wideband set is given
 *   pbxverify/silence/8000/<ms>.wav
 */
export interface InstallOptions {
  flavour: PbxFlavour;
  /** The PBX's sounds directory; `pbxverify/` is created inside it. */
  target: string;
  /** The 8 kHz packs (the repository's `sounds/`). */
  soundsDir: string;
  /** Optional 16 kHz set made with `npm run prompts:build -- --rate 16000 --out DIR`. */
  widebandDir?: string | undefined;
  /** Only these packs; all by default. */
  langs?: readonly string[] | undefined;
  /** List what would be copied without copying. */
  dryRun?: boolean;
}

export interface InstallResult {
  langs: string[];
  files: Array<{ from: string; to: string }>;
  bytes: number;
}

function packFolders(soundsDir: string): string[] {
  return readdirSync(soundsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'silence' && existsSync(join(soundsDir, e.name, 'manifest.json')))
    .map((e) => e.name)
    .sort();
}

function destination(flavour: PbxFlavour, base: string, name: string, rate: 8000 | 16000): string {
  if (flavour === 'freeswitch') return join(base, String(rate), `${name}.wav`);
  return join(base, `${name}.${rate === 8000 ? 'wav' : 'wav16'}`);
}

/** Installs the packs; throws an Error naming the first missing source file (run `prompts check` first). */
export function installPacks(opts: InstallOptions): InstallResult {
  const available = packFolders(opts.soundsDir);
  const langs = opts.langs ? [...opts.langs] : available;
  const unknown = langs.filter((l) => !available.includes(l));
  if (unknown.length) throw new Error(`no pack for ${unknown.join(', ')} under ${opts.soundsDir}`);
  const root = join(opts.target, 'pbxverify');
  const files: InstallResult['files'] = [];
  const sets: Array<[dir: string, rate: 8000 | 16000]> = [[opts.soundsDir, 8000]];
  if (opts.widebandDir !== undefined) sets.push([opts.widebandDir, 16000]);
  for (const [dir, rate] of sets) {
    for (const lang of langs) {
      for (const id of PROMPT_IDS) files.push({ from: join(dir, lang, `${id}.wav`), to: destination(opts.flavour, join(root, lang), id, rate) });
    }
    for (const ms of SILENCE_PARTS) files.push({ from: join(dir, 'silence', `${ms}.wav`), to: destination(opts.flavour, join(root, 'silence'), String(ms), rate) });
  }
  const missing = files.find((f) => !existsSync(f.from));
  if (missing) throw new Error(`${missing.from} is missing`);
  let bytes = 0;
  for (const f of files) {
    let wav: Buffer;
    try {
      wav = installedWav(readFileSync(f.from), opts.flavour);
    } catch (err) {
      throw new Error(`${f.from}: ${(err as Error).message}`);
    }
    bytes += wav.length;
    if (opts.dryRun) continue;
    mkdirSync(join(f.to, '..'), { recursive: true });
    writeFileSync(f.to, wav);
  }
  return { langs, files, bytes };
}
