import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devKeySecret, runCli, startEngine } from '../support/engine-process';

describe('command line and operations (e2e)', () => {
  it('starts on embedded defaults with a development key, serving health, OpenAPI, docs and metrics', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'pbxverify-ops-')), 'dev-key.txt');
    const engine = await startEngine({ PBXVERIFY_DEV_KEY_FILE: keyFile });
    try {
      const secret = await devKeySecret(engine, keyFile);
      const res = await fetch(`${engine.url}/v1/workflows`, { headers: { authorization: engine.auth('dev', secret) } });
      expect(res.status).toBe(200);
      const ready = await fetch(`${engine.url}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'ready', pbx: { kind: 'simulator', ready: true }, store: { kind: 'memory', ready: true } });
      expect((await fetch(`${engine.url}/healthz`)).status).toBe(200);
      const openapi = (await (await fetch(`${engine.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, any>; tags: Array<{ name: string }> };
      expect(openapi.openapi).toMatch(/^3\./);
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/verifications', '/v1/verifications/{id}/check', '/v1/verifications/check']));
      // issue 11: the compat endpoints are in the document, one tag per service (aliases left out)
      const compat = Object.entries(openapi.paths)
        .filter(([path]) => path.startsWith('/compat/'))
        .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]: [string, any]) => `${method.toUpperCase()} ${path} [${op.tags.join(',')}]`));
      expect(compat.sort()).toEqual([
        'GET /compat/calledin/api/reverse_verify/ [compat: calledin]',
        'GET /compat/vonage/verify/check/json [compat: vonage]',
        'GET /compat/vonage/verify/control/json [compat: vonage]',
        'GET /compat/vonage/verify/json [compat: vonage]',
        'GET /compat/vonage/verify/search/json [compat: vonage]',
        'GET /compat/zadarma/v1/request/checknumber/ [compat: zadarma]',
        'POST /compat/99digital/verify-sms/check [compat: 99digital]',
        'POST /compat/99digital/verify-sms/send [compat: 99digital]',
        'POST /compat/idenfy/fraud/send-sms [compat: idenfy]',
        'POST /compat/idenfy/fraud/verify-sms [compat: idenfy]',
        'POST /compat/vonage/verify/check/json [compat: vonage]',
        'POST /compat/vonage/verify/control/json [compat: vonage]',
        'POST /compat/vonage/verify/json [compat: vonage]',
        'POST /compat/vonage/verify/search/json [compat: vonage]',
        'POST /compat/zadarma/v1/request/checknumber/ [compat: zadarma]',
      ]);
      expect(openapi.tags.map((t) => t.name)).toEqual(expect.arrayContaining(['compat: zadarma', 'compat: 99digital', 'compat: calledin', 'compat: idenfy', 'compat: vonage']));
      expect(openapi.paths['/compat/vonage/verify/json'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['api_key', 'api_secret', 'number', 'brand', 'workflow_id']));
      // the native limits are the enforced ones (docs/api.md is generated from the same schema)
      const start = openapi.paths['/v1/verifications'].post.requestBody.content['application/json'].schema.properties;
      expect(start.message_template.maxLength).toBe(480);
      expect(start.brand).toMatchObject({ minLength: 1, maxLength: 32 });
      expect(start.code).toMatchObject({ maxLength: 20, pattern: '^[0-9]+$' });
      const docs = await fetch(`${engine.url}/docs/`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
      const metrics = await (await fetch(`${engine.url}/metrics`)).text();
      expect(metrics).toContain('pbxverify_pbx_ready 1');
      expect(metrics).toContain('pbxverify_http_request_duration_seconds');
    } finally {
      expect(await engine.stop('SIGTERM')).toBe(0);
    }
  });

  it('reports every configuration problem at once and exits 2', async () => {
    const { code, stderr } = await runCli(['config', 'check'], { PBXVERIFY_PORT: 'x', PBXVERIFY_STORE: 'ftp://no', PBXVERIFY_API_KEYS: 'broken' });
    expect(code).toBe(2);
    expect(stderr).toContain('port');
    expect(stderr).toContain('store');
    expect(stderr).toContain('PBXVERIFY_API_KEYS');
  });

  it('prints the configuration with secrets redacted', async () => {
    const { code, stdout } = await runCli(['config', 'check', '--json'], {
      PBXVERIFY_API_KEYS: 'shop:very-secret-key-value',
      PBXVERIFY_SECRET: 'engine-secret-that-is-long-enough-0123',
      PBXVERIFY_PBX: 'ari://asterisk:hunter2@127.0.0.1:8088/verify',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('configuration OK');
    expect(stdout).not.toContain('very-secret-key-value');
    expect(stdout).not.toContain('engine-secret-that-is-long-enough-0123');
    expect(stdout).not.toContain('hunter2');
    expect(stdout).toContain('"id": "shop"');
  });

  it('places a QA call through the simulator and prints every call event', async () => {
    const { code, stdout } = await runCli(['call', '--to', '+12025550100', '--code', '4829', '--json'], { PBXVERIFY_SIMULATOR_SPEED: '50' });
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    const names = events.map((e) => e.event);
    expect(names).toEqual(expect.arrayContaining(['simulated callee', 'dialing', 'answered', 'play', 'play result', 'hangup', 'ended', 'result']));
    expect(events.find((e) => e.event === 'play')?.items).toContain('digit-4 (240 ms) digit-8 (240 ms) digit-2 (240 ms) digit-9');
    expect(events.at(-1)).toMatchObject({ event: 'result', result: 'delivered', outcome: 'answered' });
  });

  it('reports a busy QA call with its reason code and a non-zero exit', async () => {
    const { code, stdout } = await runCli(['call', '--to', '+12025550103', '--json'], { PBXVERIFY_SIMULATOR_SPEED: '50' });
    expect(code).toBe(1);
    const last = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(last).toMatchObject({ event: 'result', result: 'not-answered', outcome: 'busy', reason: 5 });
  });

  it('collects DTMF on a reverse QA call', async () => {
    const { code, stdout } = await runCli(['call', '--to', '+12025550100', '--reverse', '--code', '2468', '--json'], { PBXVERIFY_SIMULATOR_SPEED: '50' });
    expect(code).toBe(0);
    const collected = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === 'collected');
    expect(collected).toMatchObject({ digits: '2468', endedBy: 'terminator' });
  });

  it('refuses a QA call to a malformed number', async () => {
    const { code, stderr } = await runCli(['call', '--to', '12345']);
    expect(code).toBe(2);
    expect(stderr).toContain('NUMBER_NOT_E164');
  });
});
