import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderWav } from '../../src/prompts/render';
import { voiceCallAudio } from '../../src/prompts/sequence';
import { ROOT, runCli } from '../support/engine-process';

const SOUNDS = join(ROOT, 'sounds');

describe('pbxverify prompts', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pbxverify-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check passes every shipped pack and exits 0', async () => {
    const { code, stdout } = await runCli(['prompts', 'check']);
    expect(stdout).toMatch(/^\d+ packs checked: 0 errors, 0 warnings$/m);
    expect(code).toBe(0);
  });

  it('check exits 1 for a language without a pack', async () => {
    const { code, stdout } = await runCli(['prompts', 'check', '--lang', 'th']);
    expect(stdout).toContain('no pack folder th');
    expect(code).toBe(1);
  });

  it('render writes what the sequencing function plays, falling back from de-AT to de', async () => {
    const out = join(dir, 'de.wav');
    const { code, stdout } = await runCli(['prompts', 'render', '--lang', 'de-AT', '--code', '482913', '--gate', '7', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(': de, ');
    expect(readFileSync(out).equals(renderWav(SOUNDS, 'de', voiceCallAudio('482913', '7')))).toBe(true);
  });

  it('render refuses a bad code and a bad gate digit', async () => {
    expect((await runCli(['prompts', 'render', '--code', '12ab', join(dir, 'x.wav')])).code).toBe(2);
    expect((await runCli(['prompts', 'render', '--code', '1234', '--gate', '12', join(dir, 'x.wav')])).code).not.toBe(0);
  });

  it('call --record keeps what the simulated callee heard, equal to the rendering', async () => {
    const recordings = join(dir, 'rec');
    const { code, stdout } = await runCli(['call', '--to', '+12025550100', '--lang', 'ja', '--code', '4829137501', '--gate', '3', '--record', recordings], {
      PBXVERIFY_SIMULATOR_SPEED: '50',
    });
    expect(stdout).toContain('recorded');
    expect(code).toBe(0);
    const [file] = readdirSync(recordings);
    expect(file).toMatch(/^sim-[0-9a-f]+\.wav$/);
    expect(readFileSync(join(recordings, file as string)).equals(renderWav(SOUNDS, 'ja', voiceCallAudio('4829137501', '3')))).toBe(true);
  });

  it('install --asterisk copies the packs under pbxverify/', async () => {
    const target = join(dir, 'asterisk-sounds');
    const { code, stdout } = await runCli(['prompts', 'install', '--asterisk', target, '--lang', 'uk']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/installed 1 packs \(35 files/);
    expect(readdirSync(join(target, 'pbxverify', 'uk'))).toHaveLength(28);
  });
});
