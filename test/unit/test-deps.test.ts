import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '../../scripts/test-deps.sh');

/** Runs a copy of scripts/test-deps.sh whose list of needs is replaced. */
function runWithNeeds(needs: string[]): { status: number | null; stdout: string; stderr: string } {
  const text = readFileSync(SCRIPT, 'utf8').replace(/NEEDS=\(\n[\s\S]*?\n\)/, `NEEDS=(\n${needs.map((n) => `  "${n}"`).join('\n')}\n)`);
  const copy = join(mkdtempSync(join(tmpdir(), 'pbxverify-deps-')), 'test-deps.sh');
  writeFileSync(copy, text);
  const out = spawnSync('bash', [copy], { encoding: 'utf8', env: { ...process.env, PBXVERIFY_TEST_DEPS: 'check' } });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('scripts/test-deps.sh (what npm test provisions)', () => {
  it('lists redis-server among the needs, and curl and jq for the README examples', () => {
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/"redis-server redis-server"/);
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/"redis-sentinel redis-sentinel"/);
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/"curl curl"\n\s*"jq jq"/);
  });

  it('passes quietly when every need is found', () => {
    // a path glob that matches on every machine: this folder's tests (no host path: lint refuses those)
    const out = runWithNeeds(['bash bash', `pbxverify ${join(__dirname, '*.test.ts')}`]);
    expect(out).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('stops with one line naming every missing package when they cannot be installed', () => {
    const out = runWithNeeds(['bash bash', 'no-such-package-a no-such-command-a', 'no-such-package-b /nonexistent/bin/*']);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('apt-get install no-such-package-a no-such-package-b');
  });
});
