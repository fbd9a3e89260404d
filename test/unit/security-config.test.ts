import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactConfig } from '../../src/config/load';
import { problemsOf } from '../support/config-problems';

const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-security-config-'));
const load = (env: Record<string, string> = {}) => loadConfig({ env, cwd }).config;

/** The security-related settings of issue 11 (docs/security.md, "Controls"). */
describe('security settings', () => {
  it('sets HTTP deadlines against slow clients by default', () => {
    expect(load().http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, timeoutCheckIntervalMs: 1_000 });
  });

  it('binds loopback by default, and takes NODE_ENV=production and the development key file from the environment', () => {
    expect(load()).toMatchObject({ host: '127.0.0.1', production: false, devKeyFile: 'data/dev-key.txt' });
    expect(load({ NODE_ENV: 'production', PBXVERIFY_HOST: '0.0.0.0', PBXVERIFY_DEV_KEY_FILE: 'keys/dev-key.txt' })).toMatchObject({
      host: '0.0.0.0',
      production: true,
      devKeyFile: 'keys/dev-key.txt',
    });
    expect(load({ NODE_ENV: 'development' }).production).toBe(false);
  });

  it('reads the metrics token and listener from the environment, and never prints the token', () => {
    expect(load().metrics).toEqual({ host: '127.0.0.1' });
    const config = load({ PBXVERIFY_METRICS_TOKEN: 'metrics-token-0123456789', PBXVERIFY_METRICS_PORT: '9464', PBXVERIFY_METRICS_HOST: '10.0.0.5' });
    expect(config.metrics).toEqual({ token: 'metrics-token-0123456789', port: 9464, host: '10.0.0.5' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('metrics-token-0123456789');
    expect(problemsOf(() => load({ PBXVERIFY_METRICS_TOKEN: 'short' }))).toEqual(['metrics.token: must be at least 16 characters']);
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
