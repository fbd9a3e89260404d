import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaFor } from '../../src/pbx/asterisk-ari/media';
import { mediaList } from '../../src/pbx/freeswitch-esl/commands';
import { installedWav } from '../../src/prompts/pbx-audio';
import { installPacks } from '../../src/prompts/install';
import { renderPcm } from '../../src/prompts/render';
import { voiceCallAudio } from '../../src/prompts/sequence';
import { encodeWav } from '../../src/prompts/wav';

const SOUNDS = join(__dirname, '../../sounds');

/**
 * Asterisk 22's formats/format_wav.c, as written: `check_header` returns the data chunk's size
 * as `maxlen`, and `wav_read` sends 320-byte frames from the current *file offset* (`ftello`)
 * while it is below `maxlen`, the last one short. With a 44-byte header the last 44 bytes of
 * the data are never read.
 */
function asteriskPlays(file: Buffer): Buffer {
  let dataAt = 12;
  while (file.toString('ascii', dataAt, dataAt + 4) !== 'data') dataAt += 8 + file.readUInt32LE(dataAt + 4);
  const maxlen = file.readUInt32LE(dataAt + 4);
  const frames: Buffer[] = [];
  for (let here = dataAt + 8; maxlen - here > 0; ) {
    const bytes = Math.min(320, maxlen - here);
    frames.push(file.subarray(here, here + bytes));
    here += bytes;
  }
  return Buffer.concat(frames);
}

/**
 * FreeSWITCH 1.10's switch_ivr_play_file over mod_sndfile: libsndfile returns the data chunk,
 * read in 160-sample frames; a short last frame is filled with 0xff bytes (`memset(dp + olen,
 * 255, llen - olen)`), i.e. samples of -1.
 */
function freeswitchPlays(file: Buffer): Buffer {
  let dataAt = 12;
  while (file.toString('ascii', dataAt, dataAt + 4) !== 'data') dataAt += 8 + file.readUInt32LE(dataAt + 4);
  return framed(file.subarray(dataAt + 8, dataAt + 8 + file.readUInt32LE(dataAt + 4)));
}

function framed(data: Buffer): Buffer {
  const rest = data.length % 320;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(320 - rest, 0xff)]);
}

describe('what each PBX plays of the installed files', () => {
  let target: string;
  beforeAll(() => {
    target = mkdtempSync(join(tmpdir(), 'pbxverify-pbx-audio-'));
    installPacks({ flavour: 'asterisk', target: join(target, 'asterisk'), soundsDir: SOUNDS, langs: ['en', 'de'] });
    installPacks({ flavour: 'freeswitch', target: join(target, 'freeswitch'), soundsDir: SOUNDS, langs: ['en', 'de'] });
  });
  afterAll(() => rmSync(target, { recursive: true, force: true }));

  /** What the driver asks the PBX to play, read as that PBX reads it. */
  const call = (pbx: 'asterisk' | 'freeswitch', lang: string, items: ReturnType<typeof voiceCallAudio>): Buffer => {
    if (pbx === 'asterisk') {
      // ARI: one `sound:` URI per file, `sound:pbxverify/en/digit-4` → <sounds>/pbxverify/en/digit-4.wav.
      return Buffer.concat(mediaFor(items, lang).map((uri) => asteriskPlays(readFileSync(join(target, 'asterisk', `${uri.slice('sound:'.length)}.wav`)))));
    }
    // ESL: one playback of file_string://a!b!c; silence_stream://<ms> is ms × 8 zero samples
    // (mod_tone_stream), a file is found in the <rate>/ folder beside it (mod_sndfile).
    const arg = mediaList(items, lang, join(target, 'freeswitch'));
    const media = arg.startsWith('file_string://') ? arg.slice('file_string://'.length).split('!') : [arg];
    // file_string:// first sends 250 ms of silence (mod_dptools next_file; 0xffff samples, silent
    // like zeros once µ-law encoded, written here as zeros).
    const lead = arg.startsWith('file_string://') ? [Buffer.alloc(250 * 16)] : [];
    // Inside one file_string the reads run on across files; only the sequence's last frame is filled.
    return framed(
      Buffer.concat([
        ...lead,
        ...media.map((m) => {
          if (m.startsWith('silence_stream://')) return Buffer.alloc(Number(m.slice('silence_stream://'.length)) * 16);
          const file = readFileSync(join(m, '..', '8000', m.split('/').pop() as string));
          return file.subarray(44, 44 + file.readUInt32LE(40));
        }),
      ]),
    );
  };

  it.each([
    ['asterisk', 'en', '482913', undefined, undefined],
    ['asterisk', 'de', '4829137501', '7', 0],
    ['asterisk', 'en', '1', undefined, 2000],
    ['freeswitch', 'en', '482913', undefined, undefined],
    ['freeswitch', 'de', '4829137501', undefined, 0],
    ['freeswitch', 'de', '4829137501', undefined, 240],
    ['freeswitch', 'en', '1', undefined, 2000],
  ] as const)('%s plays a %s call of %s (gate %s, lead-in %s ms) exactly as prompts render writes it', (pbx, lang, code, gate, leadInMs) => {
    const items = voiceCallAudio(code, gate, leadInMs);
    // FreeSWITCH starts a sequence without a leading pause of 250 ms or more 250 ms late.
    const late = pbx === 'freeswitch' && !('silenceMs' in (items[0] as object) && ((items[0] as { silenceMs: number }).silenceMs >= 250));
    // …and then ends with its last frame filled (0xff bytes).
    const rendered = late ? framed(Buffer.concat([Buffer.alloc(250 * 16), renderPcm(SOUNDS, lang, items)])) : renderPcm(SOUNDS, lang, items);
    const played = call(pbx, lang, items);
    expect(played.length).toBe(rendered.length);
    expect(played.equals(rendered)).toBe(true);
  });

  it('the pack files as they were, unpadded, are what made each PBX differ from render', () => {
    // The regression this guards: a copied 8 kHz prompt lost 44 bytes on Asterisk and gained a
    // padded frame on FreeSWITCH.
    const raw = readFileSync(join(SOUNDS, 'en/digit-4.wav'));
    const pcm = raw.subarray(44);
    expect(asteriskPlays(raw).length).toBe(pcm.length - 44);
    expect(freeswitchPlays(raw).length).toBeGreaterThan(pcm.length);
    expect(asteriskPlays(installedWav(raw, 'asterisk')).length).toBe(freeswitchPlays(installedWav(raw, 'freeswitch')).length);
  });

  it('keeps 16 kHz files whole for Asterisk too (wav16: the same reader, 640-byte frames)', () => {
    const pcm = Buffer.alloc(640 * 3, 1);
    const file = installedWav(encodeWav(pcm, 16000), 'asterisk');
    expect(file.readUInt32LE(24)).toBe(16000);
    expect(asteriskPlays(file).equals(pcm)).toBe(true);
  });
});
