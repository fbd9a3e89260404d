import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPacks } from '../../src/prompts/install';
import { durationMs, encodeWav, parseWav, WavError } from '../../src/prompts/wav';

const SOUNDS = join(__dirname, '../../sounds');

describe('WAV reading and writing', () => {
  it('round-trips 16-bit mono PCM', () => {
    const pcm = Buffer.from([1, 0, 255, 255, 0, 128]);
    const wav = parseWav(encodeWav(pcm));
    expect(wav.format).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(wav.data.equals(pcm)).toBe(true);
    expect(durationMs(parseWav(encodeWav(Buffer.alloc(16000))))).toBe(1000);
  });

  it('skips chunks before the data chunk (LIST chunks of recorded files)', () => {
    const plain = encodeWav(Buffer.from([7, 0]));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    expect(parseWav(withList).data.equals(Buffer.from([7, 0]))).toBe(true);
  });

  it('refuses what is not a WAV or is cut short', () => {
    expect(() => parseWav(Buffer.from('not a wav file at all, really not'))).toThrow(WavError);
    expect(() => parseWav(encodeWav(Buffer.alloc(100)).subarray(0, 80))).toThrow(/truncated data chunk/);
  });
});

describe('prompts install', () => {
  let target: string;
  beforeEach(() => (target = mkdtempSync(join(tmpdir(), 'pbxverify-install-'))));
  afterEach(() => rmSync(target, { recursive: true, force: true }));

  it('lays packs out for Asterisk as pbxverify/<lang>/<id>.wav, the samples of the pack first', () => {
    const result = installPacks({ flavour: 'asterisk', target, soundsDir: SOUNDS, langs: ['de', 'pt-BR'] });
    expect(result.files).toHaveLength(2 * 28 + 7);
    const pack = parseWav(readFileSync(join(SOUNDS, 'de/digit-4.wav'))).data;
    const installed = parseWav(readFileSync(join(target, 'pbxverify/de/digit-4.wav'))).data;
    expect(installed.subarray(0, pack.length).equals(pack)).toBe(true);
    expect(installed.subarray(pack.length).every((b) => b === 0)).toBe(true);
    expect(existsSync(join(target, 'pbxverify/pt-BR/gate-press-7.wav'))).toBe(true);
    expect(existsSync(join(target, 'pbxverify/silence/1600.wav'))).toBe(true);
    expect(existsSync(join(target, 'pbxverify/fr'))).toBe(false);
  });

  it('lays packs out for FreeSWITCH in rate folders, pbxverify/<lang>/8000/<id>.wav', () => {
    installPacks({ flavour: 'freeswitch', target, soundsDir: SOUNDS, langs: ['ja'] });
    expect(existsSync(join(target, 'pbxverify/ja/8000/digit-4.wav'))).toBe(true);
    expect(existsSync(join(target, 'pbxverify/silence/8000/20.wav'))).toBe(true);
  });

  it('copies nothing on a dry run and refuses an unknown pack', () => {
    const result = installPacks({ flavour: 'asterisk', target, soundsDir: SOUNDS, dryRun: true });
    expect(result.langs.length).toBeGreaterThanOrEqual(40);
    expect(existsSync(join(target, 'pbxverify'))).toBe(false);
    expect(() => installPacks({ flavour: 'asterisk', target, soundsDir: SOUNDS, langs: ['th'] })).toThrow(/no pack for th/);
  });
});
