import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, redactConfig } from '../../src/config/load';
import { problemsOf } from '../support/config-problems';

const SECRET = 'whsec_C2FsdGVkLWFsZXJ0LXNlY3JldC0wMTIzNDU2';

function load(fraudGuard: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-fraud-alert-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(file, stringify({ fraudGuard }));
  return loadConfig({ file, env: {}, cwd: dir }).config;
}

/** `fraudGuard.alert` (docs/history.md "Fraud guard"): the operator's signed alert webhook. */
describe('fraud guard alert settings', () => {
  it('has no alert by default, takes a URL with its secret, and never prints the secret', () => {
    expect(load({ enabled: true }).fraudGuard.alert).toBeUndefined();
    const config = load({ enabled: true, alert: { url: 'https://alerts.example.net/pbxverify', webhookSecret: SECRET } });
    expect(config.fraudGuard.alert).toEqual({ url: 'https://alerts.example.net/pbxverify', webhookSecret: SECRET });
    expect(JSON.stringify(redactConfig(config))).not.toContain(SECRET);
  });

  it('refuses a URL without its secret, a malformed secret, a non-HTTP URL and unknown keys, with their paths', () => {
    expect(problemsOf(() => load({ alert: { url: 'https://alerts.example.net/' } }))).toEqual([expect.stringMatching(/^fraudGuard\.alert\.webhookSecret: /)]);
    expect(problemsOf(() => load({ alert: { url: 'https://alerts.example.net/', webhookSecret: 'plain' } }))).toEqual(['fraudGuard.alert.webhookSecret: must be whsec_ followed by base64 (at least 18 bytes)']);
    expect(problemsOf(() => load({ alert: { url: 'ftp://alerts.example.net/', webhookSecret: SECRET } }))).toEqual([expect.stringMatching(/^fraudGuard\.alert\.url: /)]);
    expect(problemsOf(() => load({ alert: { url: 'https://alerts.example.net/', webhookSecret: SECRET, to: 'x' } }))).toEqual(['fraudGuard.alert.to: unknown key (known: url, webhookSecret)']);
  });
});
