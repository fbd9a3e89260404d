import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMPT_IDS } from '../../src/prompts/ids';
import { SILENCE_PARTS } from '../../src/prompts/media';
import { renderHeardPcm, renderPcm, renderWav } from '../../src/prompts/render';
import { codeAnnouncement, voiceCallAudio } from '../../src/prompts/sequence';
import { parseWav } from '../../src/prompts/wav';

const SOUNDS = join(__dirname, '../../sounds');

/** The data chunk of a committed file, read independently of the renderer. */
function pcmOf(...path: string[]): Buffer {
  const buf = readFileSync(join(SOUNDS, ...path));
  // Canonical 44-byte header, as the generator writes it: data starts at 44.
  expect(buf.toString('ascii', 36, 40)).toBe('data');
  return buf.subarray(44, 44 + buf.readUInt32LE(40));
}

/** A committed prompt as a PBX plays it: its last partial 20 ms frame (160 samples) filled with zeros. */
function playedOf(...path: string[]): Buffer {
  const pcm = pcmOf(...path);
  return Buffer.concat([pcm, Buffer.alloc((320 - (pcm.length % 320)) % 320)]);
}

describe('silence parts', () => {
  it.each(SILENCE_PARTS.map((ms) => [ms]))('sounds/silence/%i.wav is that many ms of digital silence at 8 kHz', (ms) => {
    const pcm = pcmOf('silence', `${ms}.wav`);
    expect(pcm.length).toBe(ms * 8 * 2);
    expect(pcm.every((b) => b === 0)).toBe(true);
  });
});

describe('prompts render', () => {
  it('renders a German 6-digit code with a gate as the concatenation of the expected files, sample for sample', () => {
    const p = (id: string): Buffer => playedOf('de', `${id}.wav`);
    const s = (ms: number): Buffer => pcmOf('silence', `${ms}.wav`);
    const expected = Buffer.concat([
      s(400), s(100), p('gate-press-7'), // lead-in 500, the gate question
      s(800), s(200), p('your-code-is'), s(400), // after the key 1000, intro
      p('digit-4'), s(200), s(40), p('digit-8'), s(200), s(40), p('digit-2'), s(400), s(200), s(100),
      p('digit-9'), s(200), s(40), p('digit-1'), s(200), s(40), p('digit-3'),
      s(800), s(100), p('i-repeat'), s(400), // before repeat 900
      p('digit-4'), s(200), s(40), p('digit-8'), s(200), s(40), p('digit-2'), s(400), s(200), s(100),
      p('digit-9'), s(200), s(40), p('digit-1'), s(200), s(40), p('digit-3'),
      s(400), s(200), s(100), p('goodbye'),
    ]);
    const rendered = renderPcm(SOUNDS, 'de', voiceCallAudio('482913', '7'));
    expect(rendered.length).toBe(expected.length);
    expect(rendered.equals(expected)).toBe(true);
  });

  it.each([
    ['en', '4829'],
    ['uk', '48291375'],
    ['zh', '4829137501'],
    ['ar', '48291375012345678901'],
  ])('renders a %s code of %s digits as the concatenation of its parts', (lang, code) => {
    const items = codeAnnouncement(code);
    const parts = items.map((item) => ('prompt' in item ? playedOf(lang, `${item.prompt}.wav`) : Buffer.alloc(item.silenceMs * 16)));
    expect(renderPcm(SOUNDS, lang, items).equals(Buffer.concat(parts))).toBe(true);
  });

  it('writes an 8 kHz mono 16-bit WAV around the rendered samples', () => {
    const wav = parseWav(renderWav(SOUNDS, 'fr', codeAnnouncement('1234')));
    expect(wav.format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(wav.data.equals(renderPcm(SOUNDS, 'fr', codeAnnouncement('1234')))).toBe(true);
  });

  it('cuts an item that was cut short where it was cut', () => {
    const full = playedOf('en', 'your-code-is.wav');
    const heard = renderHeardPcm(SOUNDS, 'en', [
      { item: { prompt: 'digit-1' }, completed: true },
      { item: { prompt: 'your-code-is' }, completed: false, heardMs: 300 },
    ]);
    expect(heard.equals(Buffer.concat([playedOf('en', 'digit-1.wav'), full.subarray(0, 300 * 16)]))).toBe(true);
  });

  it('plays every file as whole 20 ms frames, so no PBX pads one (a prompt that is not is padded with zeros)', () => {
    const raw = pcmOf('en', 'digit-4.wav');
    expect(raw.length % 320).not.toBe(0);
    const rendered = renderPcm(SOUNDS, 'en', [{ prompt: 'digit-4' }]);
    expect(rendered.length % 320).toBe(0);
    expect(rendered.subarray(0, raw.length).equals(raw)).toBe(true);
    expect(rendered.subarray(raw.length).every((b) => b === 0)).toBe(true);
  });

  it('starts with the chosen lead-in, none at 0 ms, and refuses one that is not whole 20 ms frames up to 2 s', () => {
    const at = (leadInMs: number): Buffer => renderPcm(SOUNDS, 'en', voiceCallAudio('12', undefined, leadInMs));
    expect(at(200).length - at(0).length).toBe(200 * 16);
    expect(at(0).subarray(0, 320).every((b) => b === 0)).toBe(false);
    expect(at(2000).length - at(0).length).toBe(2000 * 16);
    for (const bad of [10, 2020, -20, 0.5]) expect(() => voiceCallAudio('12', undefined, bad)).toThrow(RangeError);
  });

  it('refuses a language without a pack', () => {
    expect(() => renderPcm(SOUNDS, 'th', codeAnnouncement('1234'))).toThrow(/th\/your-code-is\.wav/);
    expect(PROMPT_IDS).toContain('your-code-is');
  });
});
