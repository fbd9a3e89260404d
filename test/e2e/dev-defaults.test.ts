import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../support/api-client';
import { devKeySecret, runCli, startEngine, type EngineProcess } from '../support/engine-process';

/**
 * Development defaults (issue 11, item 5), against the real server started with no configuration:
 * it binds loopback, its development key can run the README quick start and nothing more, the
 * key's secret never reaches the log streams (no terminal here: it goes to a 0600 file), and
 * NODE_ENV=production refuses to start with it.
 */
describe('development defaults (e2e)', () => {
  let engine: EngineProcess;
  let api: ApiClient;
  let keyFile: string;
  let secret: string;

  beforeAll(async () => {
    keyFile = join(mkdtempSync(join(tmpdir(), 'pbxverify-dev-')), 'data', 'dev-key.txt');
    // PBXVERIFY_HOST empty: the default bind address, not the test harness's
    engine = await startEngine({ PBXVERIFY_HOST: '', PBXVERIFY_DEV_KEY_FILE: keyFile, PBXVERIFY_SIMULATOR_SPEED: '50' });
    secret = await devKeySecret(engine, keyFile);
    api = new ApiClient(engine.url, engine.auth('dev', secret));
  });
  afterAll(async () => {
    await engine.stop();
  });

  it('binds 127.0.0.1 unless configured otherwise', () => {
    const listening = engine.lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; host?: string }) : {})).find((e) => e.msg === 'listening');
    expect(listening?.host).toBe('127.0.0.1');
  });

  it('keeps the secret out of stdout and stderr: it is in a file of mode 0600, whose path is logged', () => {
    const output = engine.lines.join('\n');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('DEVELOPMENT API KEY');
    expect(output).toContain(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toContain(`dev:${secret}`);
  });

  it('runs the README quick start: call, check, reverse, a workflow, check by number, cancel, next', async () => {
    const call = await api.post('/v1/verifications', { to: '+12025550100', channel: 'call', lang: 'en' });
    expect(call).toMatchObject({ status: 201, body: { status: 'pending', channel: 'call' } });
    const code = await eventually(async () => {
      const calls = (await api.get('/v1/simulator/calls?to=%2B12025550100')).body.calls as Array<{ events: Array<{ type: string; item?: { prompt?: string } }> }>;
      const played = (calls.at(-1)?.events ?? []).filter((e) => e.type === 'play' && e.item?.prompt).map((e) => e.item?.prompt as string);
      const from = played.indexOf('your-code-is');
      const to = played.indexOf('i-repeat');
      return from >= 0 && to > from ? played.slice(from + 1, to).filter((p) => p.startsWith('digit-')).map((p) => p.slice(6)).join('') : undefined;
    }, 'the spoken code');
    expect(await api.post(`/v1/verifications/${call.body.id}/check`, { code })).toMatchObject({ status: 200, body: { status: 'approved', verified: true } });

    const reverse = await api.post('/v1/verifications', { to: '+12025550100', channel: 'reverse' });
    expect(reverse).toMatchObject({ status: 201, body: { code: expect.stringMatching(/^[0-9]+$/) } });
    await api.post(`/v1/verifications/${reverse.body.id}/cancel`);

    const workflow = await api.post('/v1/verifications', { to: '+12025550101', workflow: 'sms-call-call' });
    expect(workflow.status).toBe(201);
    expect((await api.post('/v1/verifications/check', { to: '+12025550101', code: '000000' })).status).toBe(200);
    expect((await api.post(`/v1/verifications/${workflow.body.id}/next`)).status).toBe(200);
    expect(await api.post(`/v1/verifications/${workflow.body.id}/cancel`)).toMatchObject({ status: 200, body: { status: 'canceled' } });
  });

  it('is no admin key and may not supply its own codes', async () => {
    expect((await api.get('/v1/admin/do-not-call')).body.error.code).toBe('ADMIN_REQUIRED');
    const custom = await api.post('/v1/verifications', { to: '+12025550102', channel: 'call', code: '123456' });
    expect(custom).toMatchObject({ status: 403, body: { error: { code: 'CUSTOM_CODE_NOT_ALLOWED' } } });
  });

  it('deletes the key file when the engine stops', async () => {
    const keyFile2 = join(mkdtempSync(join(tmpdir(), 'pbxverify-dev-')), 'dev-key.txt');
    const other = await startEngine({ PBXVERIFY_DEV_KEY_FILE: keyFile2 });
    await devKeySecret(other, keyFile2);
    expect(await other.stop('SIGTERM')).toBe(0);
    expect(existsSync(keyFile2)).toBe(false);
  });

  it('refuses to start with the development key when NODE_ENV=production, in one line', async () => {
    const res = await runCli(['serve'], { NODE_ENV: 'production', PBXVERIFY_PORT: '0', PBXVERIFY_DEV_KEY_FILE: join(tmpdir(), 'never-written.txt') }, { timeoutMs: 15_000 });
    expect(res.timedOut).toBe(false);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^pbxverify: refusing to start: NODE_ENV=production and no API key is configured; set PBXVERIFY_API_KEYS/)]);
    // with a key configured, production starts
    const prod = await startEngine({ NODE_ENV: 'production', PBXVERIFY_API_KEYS: 'shop:production-secret-0123456789' });
    expect((await fetch(`${prod.url}/healthz`)).status).toBe(200);
    expect(await prod.stop()).toBe(0);
  });
});
