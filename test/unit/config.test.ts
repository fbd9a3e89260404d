import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemsOf } from '../support/config-problems';
import { loadConfig, redactConfig, redactUrlPassword } from '../../src/config/load';

const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-config-'));


describe('configuration', () => {
  it('runs on embedded defaults with no file and no environment', () => {
    const { config, file } = loadConfig({ env: {}, cwd });
    expect(file).toBeUndefined();
    expect(config).toMatchObject({ port: 8080, store: 'memory', pbx: ['simulator'], apiKeys: [] });
    expect(config.verification).toMatchObject({ codeLength: 6, expirySeconds: 600, maxCheckAttempts: 5 });
    expect(Object.isFrozen(config.verification)).toBe(true);
  });

  it('lets the environment override the file', () => {
    const file = join(cwd, 'a.yaml');
    writeFileSync(file, 'port: 9000\napiKeys:\n  - id: shop\n    secret: from-file-secret-123\n    allowCustomCode: true\n');
    const { config } = loadConfig({ file, env: { PBXVERIFY_PORT: '9100', PBXVERIFY_API_KEYS: 'shop:from-env-secret-456,qa:another-secret-7890' }, cwd });
    expect(config.port).toBe(9100);
    expect(config.apiKeys).toEqual([
      expect.objectContaining({ id: 'shop', secret: 'from-env-secret-456', allowCustomCode: true }),
      expect.objectContaining({ id: 'qa', secret: 'another-secret-7890', allowCustomCode: false }),
    ]);
  });

  it('takes everything a container deployment sets from the environment alone', () => {
    const env = {
      PBXVERIFY_PBX: 'esl://:pw@fs:8021',
      PBXVERIFY_TRUNK: 'carrier-1',
      PBXVERIFY_CALLER_ID: '+442037691880',
      PBXVERIFY_ASTERISK_ENDPOINT_TEMPLATE: 'Local/{number}@qa',
      PBXVERIFY_ASTERISK_MESSAGE_TEMPLATE: 'pjsip:{trunk}/sip:{number}@sms.example.net',
      PBXVERIFY_FREESWITCH_DIAL_STRING: 'sofia/external/{number}@sip.example.net',
      PBXVERIFY_FREESWITCH_SOUNDS_DIR: '/usr/share/freeswitch/sounds',
      PBXVERIFY_FREESWITCH_CHAT_TO: 'external/sip:{number}@sms.example.net',
    };
    const { config } = loadConfig({ env, cwd });
    expect(config.pbx).toEqual(['esl://:pw@fs:8021']);
    expect(config.calls).toMatchObject({ trunk: 'carrier-1', defaultCallerId: '+442037691880' });
    expect(config.asterisk).toMatchObject({ endpointTemplate: 'Local/{number}@qa', messageTemplate: 'pjsip:{trunk}/sip:{number}@sms.example.net' });
    expect(config.freeswitch).toMatchObject({
      dialString: 'sofia/external/{number}@sip.example.net',
      soundsDir: '/usr/share/freeswitch/sounds',
      chatTo: 'external/sip:{number}@sms.example.net',
    });
  });

  it('checks the values the environment gives like those of a file', () => {
    const problems = problemsOf(() => loadConfig({ env: { PBXVERIFY_TRUNK: 'no spaces', PBXVERIFY_FREESWITCH_DIAL_STRING: 'sofia/gateway/x' }, cwd }));
    expect(problems.join('\n')).toMatch(/calls\.trunk/);
    expect(problems.join('\n')).toMatch(/freeswitch\.dialString: must contain \{number\} or \{digits\}/);
  });

  it('reads pbxverify.yaml from the working directory when present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-cwd-'));
    writeFileSync(join(dir, 'pbxverify.yaml'), 'port: 7000\n');
    expect(loadConfig({ env: {}, cwd: dir }).config.port).toBe(7000);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { PBXVERIFY_PORT: 'eighty', PBXVERIFY_STORE: 'mysql://x', PBXVERIFY_SECRET: 'short', PBXVERIFY_API_KEYS: 'nocolon' }, cwd }),
    );
    expect(problems.join('\n')).toMatch(/port/);
    expect(problems.join('\n')).toMatch(/store/);
    expect(problems.join('\n')).toMatch(/secret/);
    expect(problems.join('\n')).toMatch(/PBXVERIFY_API_KEYS/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses SMS defaults and key senders or brands the PBX cannot send in full (one grammar with the API)', () => {
    const file = join(cwd, 'sms.json');
    writeFileSync(
      file,
      JSON.stringify({
        sms: { defaultSender: 'A&B', defaultBrand: 'Shop\u0000', defaultTemplate: 'Your code:\n{code}' },
        apiKeys: [{ id: 'k', secret: 'k-secret-0123456789abcdef', allowedSenders: ['Shop', '-Shop', ' '], brand: 'Shop|x' }],
      }),
    );
    const problems = problemsOf(() => loadConfig({ file, env: {}, cwd }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'apiKeys.0.allowedSenders.1',
      'apiKeys.0.allowedSenders.2',
      'apiKeys.0.brand',
      'sms.defaultBrand',
      'sms.defaultSender',
      'sms.defaultTemplate',
    ]);
    writeFileSync(file, JSON.stringify({ sms: { defaultSender: 'Shop.x', defaultBrand: 'Ünïcødé 😀', defaultTemplate: '{brand}: {code}' } }));
    expect(loadConfig({ file, env: {}, cwd }).config.sms).toMatchObject({ defaultSender: 'Shop.x', defaultBrand: 'Ünïcødé 😀', defaultTemplate: '{brand}: {code}' });
  });

  it("takes a key's lead-in of 0-2000 ms in 20 ms steps and refuses any other", () => {
    const file = join(cwd, 'lead-in.json');
    const keys = [0, 200, 2000, 30, 2020, -20].map((leadInMs, i) => ({ id: `k${i}`, secret: 'k-secret-0123456789abcdef', leadInMs }));
    writeFileSync(file, JSON.stringify({ apiKeys: keys }));
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd })).map((p) => p.split(':')[0])).toEqual(['apiKeys.3.leadInMs', 'apiKeys.4.leadInMs', 'apiKeys.5.leadInMs']);
    writeFileSync(file, JSON.stringify({ apiKeys: keys.slice(0, 3) }));
    expect(loadConfig({ file, env: {}, cwd }).config.apiKeys.map((k) => k.leadInMs)).toEqual([0, 200, 2000]);
  });

  it('refuses a shared store without an engine secret', () => {
    expect(problemsOf(() => loadConfig({ env: { PBXVERIFY_STORE: 'redis://127.0.0.1:6379/0' }, cwd }))).toContain(
      'secret: required with a shared store (codes must verify on every engine and after restarts)',
    );
  });

  it('accepts Redis Sentinel as a URL or a sentinels: block, and says what is wrong with either', () => {
    const secret = 'sentinel-test-secret-0123456789abcdef';
    expect(loadConfig({ env: { PBXVERIFY_STORE: 'redis-sentinel://127.0.0.1:26379/0?name=mymaster', PBXVERIFY_SECRET: secret }, cwd }).config.store).toMatch(/^redis-sentinel:/);
    expect(problemsOf(() => loadConfig({ env: { PBXVERIFY_STORE: 'redis-sentinel://127.0.0.1:26379/0', PBXVERIFY_SECRET: secret }, cwd })).join('\n')).toMatch(/store: a redis-sentinel:\/\/ URL needs \?name=/);
    const file = join(cwd, 'sentinels.yaml');
    writeFileSync(file, `secret: ${secret}\nstore: rediss://:pw@mymaster/0\nsentinels:\n  nodes: ['10.0.0.1:26379', 'sentinel-2']\n  password: sp\n`);
    expect(loadConfig({ file, env: {}, cwd }).config.sentinels).toEqual({ nodes: ['10.0.0.1:26379', 'sentinel-2'], password: 'sp', tls: false });
    writeFileSync(file, `secret: ${secret}\nsentinels:\n  nodes: ['bad host']\n`);
    const problems = problemsOf(() => loadConfig({ file, env: {}, cwd }));
    expect(problems.join('\n')).toMatch(/sentinels\.nodes\.0: must be host:port/);
    writeFileSync(file, `secret: ${secret}\nsentinels:\n  nodes: ['s1:26379']\n`);
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd })).join('\n')).toMatch(/sentinels: needs store: redis:\/\//);
  });

  it('refuses duplicate key ids and unparsable files', () => {
    const file = join(cwd, 'dup.yaml');
    writeFileSync(file, 'apiKeys:\n  - {id: a, secret: aaaaaaaaaaaaaaaa}\n  - {id: a, secret: bbbbbbbbbbbbbbbb}\n');
    expect(problemsOf(() => loadConfig({ file, env: {}, cwd }))).toEqual(['apiKeys.1.id: duplicate key id "a"']);
    const bad = join(cwd, 'bad.yaml');
    writeFileSync(bad, 'port: [\n');
    expect(problemsOf(() => loadConfig({ file: bad, env: {}, cwd }))[0]).toMatch(/^config file .*bad\.yaml: /);
  });

  it('redacts secrets and URL passwords for printing', () => {
    const { config } = loadConfig({
      env: { PBXVERIFY_SECRET: 's'.repeat(40), PBXVERIFY_API_KEYS: 'shop:supersecretvalue1', PBXVERIFY_PBX: 'ari://asterisk:hunter2@10.0.0.5:8088/verify' },
      cwd,
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('supersecretvalue1');
    expect(printed).not.toContain('s'.repeat(40));
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain('ari://asterisk:[redacted]@10.0.0.5:8088/verify');
    expect(redactUrlPassword('esl://:ClueCon@127.0.0.1:8021')).toBe('esl://:[redacted]@127.0.0.1:8021');
  });
});
