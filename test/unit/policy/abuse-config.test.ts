import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemsOf } from '../../support/config-problems';
import { loadConfig } from '../../../src/config/load';

const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-abuse-config-'));


describe('abuse configuration', () => {
  it('has production defaults: on, one a minute and five per ten minutes, quotas, premium and non-geographic refused', () => {
    const { config } = loadConfig({ env: {}, cwd });
    expect(config.abuse).toMatchObject({
      enabled: true,
      exemptNumbers: ['+1XXX55501XX'],
      flood: { perMinute: 1, perTenMinutes: 5 },
      velocity: { rangeDigits: 4, maxNumbers: 10, windowSeconds: 600 },
      breaker: { callsPerMinute: 120, openSeconds: 300 },
      keyQuota: { perHour: 1000, perDay: 10000 },
      refuseNumberTypes: ['PREMIUM_RATE', 'SHARED_COST', 'UNKNOWN'],
      voice: { denyCountries: ['001'], allowCountries: [], allowPrefixes: [], denyPrefixes: [] },
      sms: { denyCountries: ['001'] },
      doNotCall: { reloadSeconds: 30 },
    });
  });

  it('reads per-key quotas, default countries and admin rights, and reports bad lists at once', () => {
    const file = join(cwd, 'keys.yaml');
    writeFileSync(
      file,
      [
        'apiKeys:',
        '  - { id: shop, secret: shop-secret-0123456789, defaultCountry: IL, quota: { perHour: 5, perDay: null }, admin: true }',
        'abuse:',
        "  voice: { denyPrefixes: ['+1900'], allowCountries: [US, GB] }",
      ].join('\n'),
    );
    const { config } = loadConfig({ file, env: {}, cwd });
    expect(config.apiKeys[0]).toMatchObject({ defaultCountry: 'IL', quota: { perHour: 5, perDay: null }, admin: true });
    expect(config.abuse.voice).toMatchObject({ denyPrefixes: ['+1900'], allowCountries: ['US', 'GB'] });

    const bad = join(cwd, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'apiKeys:',
        '  - { id: shop, secret: shop-secret-0123456789, defaultCountry: XX }',
        'abuse:',
        "  voice: { denyPrefixes: ['1900'], denyCountries: [france] }",
        '  refuseNumberTypes: [EXPENSIVE]',
        '  flood: { perMinute: 0 }',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ file: bad, env: {}, cwd }));
    expect(problems.join('\n')).toMatch(/apiKeys\.0\.defaultCountry/);
    expect(problems.join('\n')).toMatch(/abuse\.voice\.denyPrefixes\.0/);
    expect(problems.join('\n')).toMatch(/abuse\.voice\.denyCountries\.0/);
    expect(problems.join('\n')).toMatch(/abuse\.refuseNumberTypes\.0/);
    expect(problems.join('\n')).toMatch(/abuse\.flood\.perMinute/);
  });

  it('turns the controls off only with PBXVERIFY_ABUSE_CONTROLS=off (benchmarks)', () => {
    expect(loadConfig({ env: { PBXVERIFY_ABUSE_CONTROLS: 'off' }, cwd }).config.abuse.enabled).toBe(false);
    expect(problemsOf(() => loadConfig({ env: { PBXVERIFY_ABUSE_CONTROLS: 'no' }, cwd }))).toEqual(['PBXVERIFY_ABUSE_CONTROLS: must be "on" or "off" when set']);
  });
});
