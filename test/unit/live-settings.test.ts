/**
 * The live suite's settings (test/live/live-settings.ts): a run with nothing configured, or with a
 * variable the suite does not read, is refused; the one table of variables and the docs agree; the
 * docs' shell commands cannot end early at a comment after a line continuation (the false green of
 * docs/freeswitch.md: the variables were dropped and the run reported 0 passed and exited 0).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIVE_VARIABLES, liveProblems, liveVariablesTable } from '../live/live-settings';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const DOCS = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('the live suite refuses to run with nothing to test', () => {
  it('names PBXVERIFY_LIVE_PBX, both kinds of URL and the docs when nothing is set', () => {
    const problems = liveProblems({}).join('\n');
    expect(problems).toMatch(/^PBXVERIFY_LIVE_PBX is not set/);
    expect(problems).toContain('PBXVERIFY_LIVE_PBX=ari://');
    expect(problems).toContain('PBXVERIFY_LIVE_PBX=esl://');
    expect(problems).toContain('docs/live-tests.md');
  });

  it('refuses a URL of no PBX it knows', () => {
    expect(liveProblems({ PBXVERIFY_LIVE_PBX: 'http://127.0.0.1:8088' })[0]).toMatch(/must start with ari:\/\/, aris:\/\/ or esl:\/\//);
  });

  it('refuses a variable it does not read (the docs once named one no test used)', () => {
    expect(liveProblems({ PBXVERIFY_LIVE_PBX: 'esl://:pw@127.0.0.1:8021', PBXVERIFY_LIVE_ESL_CHAT_TO: 'qa/sip:{number}@127.0.0.1:5090' })[0]).toMatch(
      /^PBXVERIFY_LIVE_ESL_CHAT_TO is not a variable of the live suite/,
    );
  });

  it('refuses half of a pair', () => {
    expect(liveProblems({ PBXVERIFY_LIVE_PBX: 'ari://u:p@127.0.0.1:8088/pbxverify', PBXVERIFY_LIVE_SIP_TEMPLATE: 'PJSIP/{number}@uas' })[0]).toBe(
      'PBXVERIFY_LIVE_SIP_TEMPLATE is set without PBXVERIFY_LIVE_SIP_PHONE: the tests need both',
    );
  });

  it('accepts a configured run', () => {
    expect(liveProblems({ PBXVERIFY_LIVE_PBX: 'esl://:pw@127.0.0.1:8021', PBXVERIFY_LIVE_ESL_DIAL: 'loopback/{number}/qa', PBXVERIFY_STORE: 'memory' })).toEqual([]);
  });

  it("runs only the named PBX's files, behind the global setup that refuses", () => {
    const config = (url: string): { testMatch: string[]; globalSetup: string } =>
      JSON.parse(execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require("./jest.live.config.js")))'], { cwd: ROOT, env: { PATH: process.env.PATH, PBXVERIFY_LIVE_PBX: url }, encoding: 'utf8' }));
    expect(config('ari://u:p@127.0.0.1:8088/pbxverify').testMatch).toEqual(['<rootDir>/test/live/ari-*.test.ts']);
    expect(config('esl://:pw@127.0.0.1:8021').testMatch).toEqual(['<rootDir>/test/live/esl-*.test.ts']);
    expect(config('').globalSetup).toBe('<rootDir>/test/live/global-setup.ts');
  });
});

describe('the live variables are in one table', () => {
  it('docs/live-tests.md shows exactly the table of test/live/live-settings.ts', () => {
    expect(read('docs/live-tests.md')).toContain(liveVariablesTable());
  });

  it('no doc, dialplan file or live test names a variable outside the table', () => {
    const known = new Set(LIVE_VARIABLES.map((v) => v.name));
    const live = readdirSync(join(ROOT, 'test/live')).filter((f) => f.endsWith('.ts')).map((f) => `test/live/${f}`);
    for (const file of [...DOCS, ...live, 'dialplan/freeswitch/README.md', 'dialplan/asterisk/extensions.conf']) {
      const named = [...read(file).matchAll(/PBXVERIFY_LIVE_[A-Z_]*[A-Z]/g)].map((m) => m[0]);
      expect({ file, unknown: named.filter((n) => !known.has(n)) }).toEqual({ file, unknown: [] });
    }
  });
});

describe('shell commands in the docs', () => {
  it('continue a line only with a backslash at its very end (a comment or space after it ends the command early)', () => {
    for (const file of DOCS) {
      const blocks = [...read(file).matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
      const broken = blocks.flatMap((b) => b.split('\n')).filter((line) => /\\[ \t]+(\S.*)?$/.test(line) && !/^\s*#/.test(line));
      expect({ file, broken }).toEqual({ file, broken: [] });
    }
  });
});
