import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ENV_VARS, loadConfig } from '../../src/config/load';
import { editDistance, nearest } from '../../src/lib/nearest';
import { problemsOf } from '../support/config-problems';

const ROOT = join(__dirname, '../..');
const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-unknown-'));

function fileProblems(content: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  const file = join(cwd, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(content));
  return problemsOf(() => loadConfig({ file, env, cwd }));
}

describe('unknown configuration keys and variables', () => {
  it("refuses the issue's example: a misspelt calls.ringTimeoutSecond and a top-level foo", () => {
    expect(fileProblems({ calls: { ringTimeoutSecond: 5 }, foo: 1 }).sort()).toEqual([
      'calls.ringTimeoutSecond: unknown key (did you mean ringTimeoutSeconds?)',
      expect.stringMatching(/^foo: unknown key \(known: port, host, .*, abuse, history, fraudGuard, testing\)$/),
    ]);
  });

  it('names the path and the nearest key at every depth, in arrays of objects and records too', () => {
    const problems = fileProblems({
      prot: 8080,
      verification: { codeLenght: 6 },
      abuse: { flood: { perMinut: 2 }, voice: { denyCountry: ['FR'] } },
      apiKeys: [
        { id: 'ok', secret: 'a-secret-of-16-chars' },
        { id: 'shop', secret: 'shop-secret-0123456789', alowCustomCode: true, quota: { perHuor: 3 } },
      ],
      workflows: { escalate: [{ channel: 'sms', waitSeconds: 0, code: 'same', validity: 300 }] },
      dialer: { trunks: { carrier: { cps: 1, maxConcurrent: 2, burst: 3 } } },
      scaleOut: { heartbeat: 500 },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'prot: unknown key (did you mean port?)',
        'verification.codeLenght: unknown key (did you mean codeLength?)',
        'abuse.flood.perMinut: unknown key (did you mean perMinute?)',
        'abuse.voice.denyCountry: unknown key (did you mean denyCountries?)',
        'apiKeys.1.alowCustomCode: unknown key (did you mean allowCustomCode?)',
        'apiKeys.1.quota.perHuor: unknown key (did you mean perHour?)',
        'workflows.escalate.0.validity: unknown key (did you mean validitySeconds?)',
        'dialer.trunks.carrier.burst: unknown key (known: cps, maxConcurrent)',
        'scaleOut.heartbeat: unknown key (did you mean heartbeatMs?)',
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('reports several unknown keys of one object on a line each', () => {
    expect(fileProblems({ sms: { defaultSendr: 'Shop', brnd: 'x' } })).toEqual([
      'sms.defaultSendr: unknown key (did you mean defaultSender?)',
      expect.stringMatching(/^sms\.brnd: unknown key \(known: defaultSender, defaultTemplate, defaultBrand, gateway, gateways, maxParts, receiptTimeoutSeconds, submitTimeoutSeconds, publicUrl\)$/),
    ]);
  });

  it('says where a variable written into the file belongs', () => {
    expect(fileProblems({ PBXVERIFY_PORT: 9000 })).toEqual(['PBXVERIFY_PORT: unknown key: variables go in the environment, not the file']);
  });

  it('refuses an unknown PBXVERIFY_* variable with the nearest known one', () => {
    expect(problemsOf(() => loadConfig({ env: { PBXVERIFY_PROT: '9000', PBXVERIFY_APIKEYS: 'a:b', PBXVERIFY_NONSENSE: '1' }, cwd }))).toEqual([
      'PBXVERIFY_APIKEYS: unknown variable (did you mean PBXVERIFY_API_KEYS?)',
      'PBXVERIFY_NONSENSE: unknown variable (`pbxverify config env` lists them)',
      'PBXVERIFY_PROT: unknown variable (did you mean PBXVERIFY_PORT?)',
    ]);
  });

  it("ignores the PBXVERIFY_* variables other parts read (FreeSWITCH's event socket, the live suite, receivers) and other prefixes", () => {
    const env = {
      PBXVERIFY_ESL_PASSWORD: 'x',
      PBXVERIFY_ESL_LISTEN_IP: '127.0.0.1',
      PBXVERIFY_LIVE_PBX: 'esl://:x@127.0.0.1:8021',
      PBXVERIFY_TEST_LOG: 'debug',
      PBXVERIFY_TEST_DEPS: 'check',
      PBXVERIFY_WEBHOOK_SECRET: 'whsec_x',
      PBXVERIFYPORT: '1',
      HOME: homedir(),
    };
    expect(loadConfig({ env, cwd }).config.port).toBe(8080);
  });

  it('accepts every variable `pbxverify config env` lists', () => {
    const values: Record<string, string> = {
      PBXVERIFY_PORT: '0',
      PBXVERIFY_HOST: '127.0.0.1',
      PBXVERIFY_STORE: 'memory',
      PBXVERIFY_PBX: 'simulator',
      PBXVERIFY_API_KEYS: 'a:a-secret-of-16-chars',
      PBXVERIFY_SECRET: 'an-engine-secret-of-32-characters-at-least',
      PBXVERIFY_LOG_LEVEL: 'warn',
      PBXVERIFY_LOG_PRETTY: '1',
      PBXVERIFY_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
      PBXVERIFY_SIMULATOR_SPEED: '2',
      PBXVERIFY_ABUSE_CONTROLS: 'on',
      PBXVERIFY_TEST_CLOCK: 'manual',
      PBXVERIFY_TRUNK: 'carrier-a',
      PBXVERIFY_CALLER_ID: '+12025550180',
      PBXVERIFY_ASTERISK_ENDPOINT_TEMPLATE: 'PJSIP/{number}@{trunk}',
      PBXVERIFY_ASTERISK_MESSAGE_TEMPLATE: 'pjsip:{trunk}/sip:{number}@127.0.0.1',
      PBXVERIFY_FREESWITCH_DIAL_STRING: 'sofia/gateway/{trunk}/{number}',
      PBXVERIFY_FREESWITCH_SOUNDS_DIR: '/usr/share/freeswitch/sounds',
      PBXVERIFY_FREESWITCH_CHAT_TO: 'sip:{number}@127.0.0.1',
      NODE_ENV: 'production',
      PBXVERIFY_DEV_KEY_FILE: 'data/dev-key.txt',
      PBXVERIFY_METRICS_TOKEN: 'a-metrics-token-of-16-chars',
      PBXVERIFY_METRICS_PORT: '9464',
      PBXVERIFY_METRICS_HOST: '127.0.0.1',
      PBXVERIFY_HISTORY: 'off',
    };
    const env = Object.fromEntries(ENV_VARS.filter((v) => v.name !== 'PBXVERIFY_CONFIG').map((v) => [v.name, values[v.name] ?? '']));
    expect(Object.values(env).every((v) => v !== '')).toBe(true);
    expect(loadConfig({ env, cwd }).config.host).toBe('127.0.0.1');
  });

  it.each(['docker/pbxverify.yaml', 'docker/pbxverify.scale-out.yaml', 'docker/freeswitch/pbxverify.freeswitch.yaml', 'pbxverify.example.yaml'])(
    'accepts the shipped %s',
    (file) => {
      const env = { PBXVERIFY_SECRET: 'an-engine-secret-of-32-characters-at-least', PBXVERIFY_API_KEYS: 'shop:a-secret-of-16-chars,main:a-secret-of-16-chars' };
      expect(loadConfig({ file: join(ROOT, file), env, cwd }).file).toBe(join(ROOT, file));
    },
  );
});

describe('nearest name', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistance('ringTimeoutSecond', 'ringTimeoutSeconds')).toBe(1);
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('hots', 'host')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only a close name, ignoring case, or the one name a cut-short word begins', () => {
    expect(nearest('LOGLEVEL', ['logLevel', 'logPretty'])).toBe('logLevel');
    expect(nearest('foo', ['port', 'host'])).toBeUndefined();
    expect(nearest('validity', ['validitySeconds', 'code'])).toBe('validitySeconds');
    expect(nearest('max', ['maxCallSeconds', 'maxTries'])).toBeUndefined();
  });
});
