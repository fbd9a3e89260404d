import { encodeWav, parseWav, WavError } from './wav';

/**
 * How a prompt file becomes what a PBX plays, so that `prompts render` equals a call.
 *
 * Both PBXs send audio in 20 ms frames (160 samples at 8 kHz). Two quirks, measured on the lab
 * PBXs (issue 18) and read in their sources, made a call differ from the concatenated files:
 *
 * - FreeSWITCH reads a file frame by frame and fills the last, partial frame with silence, so
 *   every file that is not a whole number of frames plays longer (about 250 ms per call).
 *   Installed files are therefore whole frames: {@link wholeFrames} pads a prompt's end with
 *   digital silence, and the silence parts are multiples of 20 ms (media.ts).
 * - Asterisk's WAV reader (formats/format_wav.c, `wav_read`) stops when the *file offset* reaches
 *   the data chunk's *size*, so it never plays the last 44 bytes (the canonical header's length)
 *   of any file: 126.5 ms per call of 46 files. Files installed for Asterisk carry
 *   {@link ASTERISK_WAV_TAIL} bytes of silence more in their data chunk, the part Asterisk drops.
 *
 * The renderer applies {@link wholeFrames} to each file; the installer writes
 * {@link installedWav}. test/unit/prompts-pbx-audio.test.ts reads installed files the way each
 * PBX does and compares with `render`.
 */

/** Samples per 20 ms frame at a rate. */
export function frameSamples(sampleRate: number): number {
  return sampleRate / 50;
}

/** 16-bit PCM padded with zeros to a whole number of 20 ms frames (the same buffer when it is one). */
export function wholeFrames(pcm: Buffer, sampleRate = 8000): Buffer {
  const frameBytes = frameSamples(sampleRate) * 2;
  const rest = pcm.length % frameBytes;
  return rest === 0 ? pcm : Buffer.concat([pcm, Buffer.alloc(frameBytes - rest)]);
}

/** Bytes of the data chunk Asterisk's format_wav never plays: the length of a canonical WAV header. */
export const ASTERISK_WAV_TAIL = 44;

export type PbxFlavour = 'asterisk' | 'freeswitch';

/**
 * The file to install for a PBX from a pack file (16-bit mono PCM WAV at any rate): whole frames,
 * a canonical 44-byte header, and for Asterisk the tail its reader drops.
 */
export function installedWav(source: Buffer, flavour: PbxFlavour): Buffer {
  const wav = parseWav(source);
  const { audioFormat, channels, bitsPerSample, sampleRate } = wav.format;
  if (audioFormat !== 1 || channels !== 1 || bitsPerSample !== 16 || sampleRate % 50 !== 0) {
    throw new WavError('a prompt file must be 16-bit mono PCM at a rate divisible into 20 ms frames');
  }
  const pcm = wholeFrames(wav.data, sampleRate);
  return encodeWav(flavour === 'asterisk' ? Buffer.concat([pcm, Buffer.alloc(ASTERISK_WAV_TAIL)]) : pcm, sampleRate);
}
