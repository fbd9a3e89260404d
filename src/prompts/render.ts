import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlayItem } from '../pbx/port';
import { mediaFiles, type MediaFile } from './media';
import { wholeFrames } from './pbx-audio';
import { describeFormat, encodeWav, isPackFormat, parseWav, WavError } from './wav';

/**
 * Where the audio of a media path comes from. The repository's `sounds/` is laid out like an
 * installed PBX tree minus the `pbxverify/` prefix: `pbxverify/de/digit-4` is
 * `sounds/de/digit-4.wav`, `pbxverify/silence/400` is `sounds/silence/400.wav`.
 */
export function soundFile(soundsDir: string, file: MediaFile): string {
  return join(soundsDir, `${file.path.replace(/^pbxverify\//, '')}.wav`);
}

/** Reads the PCM of one pack file, insisting on the pack format (8 kHz mono 16-bit). */
export function readPackPcm(path: string): Buffer {
  let wav;
  try {
    wav = parseWav(readFileSync(path));
  } catch (err) {
    if (err instanceof WavError) throw new WavError(`${path}: ${err.message}`);
    throw err;
  }
  if (!isPackFormat(wav.format)) throw new WavError(`${path}: ${describeFormat(wav.format)}, expected PCM 16-bit mono 8000 Hz`);
  return wav.data;
}

/**
 * The PCM a callee hears for `items` in `lang`: the installed files (prompts and silence parts)
 * concatenated in the order the PBX plays them, each as whole 20 ms frames as installed
 * (pbx-audio.ts). Reading the very files a PBX plays, rather than synthesising silence, is what
 * makes a rendering equal to a call sample for sample.
 */
export function renderPcm(soundsDir: string, lang: string, items: readonly PlayItem[]): Buffer {
  const cache = new Map<string, Buffer>();
  const parts = mediaFiles(lang, items).map((file) => {
    const path = soundFile(soundsDir, file);
    let pcm = cache.get(path);
    if (!pcm) {
      pcm = wholeFrames(readPackPcm(path));
      cache.set(path, pcm);
    }
    return pcm;
  });
  return Buffer.concat(parts);
}

/** {@link renderPcm} as a WAV file in the pack format. */
export function renderWav(soundsDir: string, lang: string, items: readonly PlayItem[]): Buffer {
  return encodeWav(renderPcm(soundsDir, lang, items));
}

/** One item as a call played it: whole, or cut after `heardMs` (barge-in, hang-up). */
export interface HeardItem {
  item: PlayItem;
  completed: boolean;
  heardMs?: number | undefined;
}

/**
 * The PCM a callee heard on a call, from what the call played (the simulator's call log): each
 * completed item whole, an item cut short up to where it was cut. Waiting for keys is listening,
 * not playing, so it adds nothing. A call that played everything as planned renders to exactly
 * {@link renderPcm} of the same items.
 */
export function renderHeardPcm(soundsDir: string, lang: string, heard: readonly HeardItem[]): Buffer {
  return Buffer.concat(
    heard.map(({ item, completed, heardMs }) => {
      const pcm = renderPcm(soundsDir, lang, [item]);
      if (completed || heardMs === undefined) return pcm;
      const bytes = Math.max(0, Math.min(pcm.length, Math.round((heardMs * 8000) / 1000) * 2));
      return pcm.subarray(0, bytes);
    }),
  );
}
