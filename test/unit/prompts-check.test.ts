import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromptCatalog } from '../../src/prompts/catalog';
import { checkSounds } from '../../src/prompts/check';
import { encodeWav, parseWav } from '../../src/prompts/wav';

const SOUNDS = join(__dirname, '../../sounds');
const packs = new PromptCatalog(SOUNDS).languages();

describe('the shipped packs', () => {
  it('number at least 40, the seven of seed 000 among them', () => {
    expect(packs.length).toBeGreaterThanOrEqual(40);
    for (const lang of ['en', 'es', 'de', 'fr', 'pl', 'ru', 'uk']) expect(packs).toContain(lang);
  });

  it.each(packs.map((l) => [l]))('%s passes prompts check', (lang) => {
    const report = checkSounds(SOUNDS, { lang });
    expect(report.packs[0]?.problems).toEqual([]);
    expect(report.packs[0]?.files).toBe(28);
  });

  it('share silence parts that pass prompts check', () => {
    expect(checkSounds(SOUNDS).silence).toEqual([]);
  });
});

describe('prompts check on a broken pack', () => {
  let dir: string;
  const pack = (): string => join(dir, 'de');
  const problems = (): string[] => checkSounds(dir, { lang: 'de' }).packs[0]!.problems.map((p) => `${p.severity} ${p.file ?? ''}: ${p.message}`);
  const pcm = (id: string): Buffer => parseWav(readFileSync(join(pack(), `${id}.wav`))).data;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-check-'));
    cpSync(join(SOUNDS, 'de'), join(dir, 'de'), { recursive: true });
    cpSync(join(SOUNDS, 'silence'), join(dir, 'silence'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from a clean copy', () => {
    expect(problems()).toEqual([]);
  });

  it('reports a missing prompt', () => {
    unlinkSync(join(pack(), 'digit-7.wav'));
    expect(problems()).toEqual(['error digit-7: missing']);
  });

  it('reports the wrong sample rate', () => {
    writeFileSync(join(pack(), 'digit-7.wav'), encodeWav(pcm('digit-7'), 16000));
    expect(problems()).toEqual(['error digit-7: PCM 16-bit mono 16000 Hz; packs are PCM 16-bit mono 8000 Hz']);
  });

  it('reports a file that is not a WAV, and an empty one', () => {
    writeFileSync(join(pack(), 'digit-7.wav'), 'ID3 not audio');
    writeFileSync(join(pack(), 'digit-8.wav'), encodeWav(Buffer.alloc(0)));
    expect(problems()).toEqual(['error digit-7: not a RIFF/WAVE file', 'error digit-8: empty (no samples)']);
  });

  it('reports clipping', () => {
    const data = Buffer.from(pcm('goodbye'));
    for (let i = 1000; i < 1010; i++) data.writeInt16LE(32767, i * 2);
    writeFileSync(join(pack(), 'goodbye.wav'), encodeWav(data));
    expect(problems()).toContainEqual('error goodbye: clipped (10 consecutive samples at full scale)');
  });

  it('reports silence, untrimmed edges and durations out of bounds', () => {
    writeFileSync(join(pack(), 'digit-1.wav'), encodeWav(Buffer.alloc(8000)));
    writeFileSync(join(pack(), 'digit-2.wav'), encodeWav(Buffer.concat([Buffer.alloc(8000), pcm('digit-2')])));
    writeFileSync(join(pack(), 'digit-3.wav'), encodeWav(Buffer.concat([pcm('digit-3'), pcm('digit-3'), pcm('digit-3'), pcm('digit-3'), pcm('digit-3'), pcm('digit-3'), pcm('digit-3'), pcm('digit-3')])));
    const found = problems();
    expect(found).toContainEqual(expect.stringMatching(/^error digit-1: too quiet or silent/));
    expect(found).toContainEqual('error digit-2: not trimmed: 500 ms of silence before, 0 ms after (at most 300)');
    expect(found).toContainEqual(expect.stringMatching(/^error digit-3: lasts \d+ ms, expected 120–1500 ms/));
  });

  it('warns about a prompt much quieter than the rest of its pack', () => {
    const data = Buffer.from(pcm('verified'));
    for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(data.readInt16LE(i * 2) / 4), i * 2);
    writeFileSync(join(pack(), 'verified.wav'), encodeWav(data));
    expect(problems()).toEqual([expect.stringMatching(/^warning verified: level -32\.\d dBFS is more than 6 dB from the pack's -20\.0/)]);
  });

  it('reports a manifest that lacks an id, names another language, or is a placeholder', () => {
    const manifest = JSON.parse(readFileSync(join(pack(), 'manifest.json'), 'utf8'));
    delete manifest.prompts['no-input'];
    manifest.lang = 'de-AT';
    manifest.source = 'placeholder';
    writeFileSync(join(pack(), 'manifest.json'), JSON.stringify(manifest));
    expect(problems()).toEqual([
      'error : manifest lang "de-AT" does not match folder "de"',
      'error : placeholder pack: generate it (npm run prompts:build) or record it',
      'error no-input: no text in manifest',
    ]);
  });

  it('reports a silence part of the wrong length', () => {
    writeFileSync(join(dir, 'silence', '400.wav'), encodeWav(Buffer.alloc(100)));
    expect(checkSounds(dir, { lang: 'de' }).silence).toEqual([{ severity: 'error', file: '400.wav', message: 'holds 50 samples, expected 3200' }]);
  });
});
