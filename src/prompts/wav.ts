/**
 * Minimal RIFF/WAVE reading and writing for prompt files, in plain Node (no sox at run time:
 * `prompts check`, `prompts render` and CI must work without the generation tools).
 */

/** The one format every pack file has: it plays on Asterisk and FreeSWITCH without transcoding. */
export const PACK_FORMAT = { audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 } as const;

export interface WavFormat {
  /** 1 = integer PCM, 3 = IEEE float, 0xfffe = extensible (refused for packs). */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

export interface Wav {
  format: WavFormat;
  /** The raw bytes of the `data` chunk. */
  data: Buffer;
}

export class WavError extends Error {
  override readonly name = 'WavError';
}

/** Parses a RIFF/WAVE file. Throws {@link WavError} for anything that is not one. */
export function parseWav(buf: Buffer): Wav {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('truncated fmt chunk');
      format = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      if (body + size > buf.length) throw new WavError(`truncated data chunk (header says ${size} bytes, file has ${buf.length - body})`);
      return { format, data: buf.subarray(body, body + size) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(format ? 'no data chunk' : 'no fmt chunk');
}

/** True when the format is exactly {@link PACK_FORMAT}. */
export function isPackFormat(f: WavFormat): boolean {
  return (
    f.audioFormat === PACK_FORMAT.audioFormat &&
    f.channels === PACK_FORMAT.channels &&
    f.sampleRate === PACK_FORMAT.sampleRate &&
    f.bitsPerSample === PACK_FORMAT.bitsPerSample
  );
}

export function describeFormat(f: WavFormat): string {
  const kind = f.audioFormat === 1 ? 'PCM' : f.audioFormat === 3 ? 'float' : `format 0x${f.audioFormat.toString(16)}`;
  return `${kind} ${f.bitsPerSample}-bit ${f.channels === 1 ? 'mono' : `${f.channels} channels`} ${f.sampleRate} Hz`;
}

/** A canonical 44-byte-header WAV around 16-bit mono PCM. */
export function encodeWav(pcm: Buffer, sampleRate: number = PACK_FORMAT.sampleRate): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** 16-bit little-endian samples of a PCM buffer (a view, no copy when aligned). */
export function samples16(pcm: Buffer): Int16Array {
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const copy = Buffer.from(pcm);
  return new Int16Array(copy.buffer, copy.byteOffset, Math.floor(copy.length / 2));
}

/** Duration in ms of a data chunk in the given format. */
export function durationMs(wav: Wav): number {
  const bytesPerSecond = wav.format.sampleRate * wav.format.channels * (wav.format.bitsPerSample / 8);
  return bytesPerSecond > 0 ? (wav.data.length / bytesPerSecond) * 1000 : 0;
}
