import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { problemsOf } from '../support/config-problems';

const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-security-config-'));
const load = (env: Record<string, string> = {}) => loadConfig({ env, cwd }).config;

/** The security-related settings of issue 11 (docs/security.md, "Controls"). */
describe('security settings', () => {
  it('sets HTTP deadlines against slow clients by default', () => {
    expect(load().http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, timeoutCheckIntervalMs: 1_000 });
  });

  it('refuses a header deadline longer than the request deadline', () => {
    const problems = problemsOf(() => loadConfig({ env: {}, cwd: writeYaml('http:\n  headersTimeoutMs: 40000\n  requestTimeoutMs: 30000\n') }));
    expect(problems).toEqual(['http.headersTimeoutMs: headersTimeoutMs must not exceed requestTimeoutMs']);
  });
});

function writeYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-security-config-'));
  writeFileSync(join(dir, 'pbxverify.yaml'), text);
  return dir;
}
