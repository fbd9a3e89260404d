/**
 * The real server process (`pbxverify serve`) wired to FreeSWITCH with PBXVERIFY_PBX=esl://…,
 * against the ESL fake: readiness, a voice and a reverse verification over the event socket, SMS
 * through the chat API, and the start-up errors (wrong password, several nodes).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { ApiClient } from '../support/api-client';
import { runCli, startEngine, type EngineProcess } from '../support/engine-process';

const KEY = { id: 'e2e', secret: 'e2e-secret-0123456789abcdef' };

function configFile(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-esl-e2e-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(
    file,
    stringify({
      calls: { trunk: 'pbxverify', ringTimeoutSeconds: 10 },
      apiKeys: [{ id: KEY.id, secret: KEY.secret, allowCustomCode: true }],
      freeswitch: { soundsDir: '/usr/share/freeswitch/sounds', chatTo: 'qa/sip:{number}@127.0.0.1:5090', commandTimeoutMs: 3000, reconnectMaxDelayMs: 500 },
      ...extra,
    }),
  );
  return file;
}

describe('pbxverify serve with FreeSWITCH over ESL', () => {
  let fake: FakeFreeSwitch;
  let engine: EngineProcess;
  let api: ApiClient;

  beforeAll(async () => {
    fake = new FakeFreeSwitch({ timeScale: 0.05, heartbeatMs: 0 });
    await fake.start();
    engine = await startEngine({
      PBXVERIFY_PBX: fake.url(),
      PBXVERIFY_CONFIG: configFile(),
      PBXVERIFY_SECRET: 'e2e-engine-secret-0123456789abcdefghij',
    });
    api = new ApiClient(engine.url, engine.auth(KEY.id, KEY.secret));
  });
  afterAll(async () => {
    await engine?.stop();
    await fake?.stop();
  });

  it('is ready once connected to FreeSWITCH', async () => {
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.pbx).toMatchObject({ kind: 'freeswitch-esl', ready: true, detail: expect.stringMatching(/^connected to esl:\/\/127\.0\.0\.1:\d+/) as string });
  });

  it('serves no simulator views with a real PBX', async () => {
    for (const path of ['/v1/simulator/numbers', '/v1/simulator/calls', '/v1/simulator/messages']) {
      expect(await api.get(path)).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
    }
  });

  const finished = async (id: string): Promise<{ status: string; attempts: Array<Record<string, unknown>> }> => {
    let view: { status: string; attempts: Array<Record<string, unknown>> } = { status: 'pending', attempts: [] };
    for (let i = 0; i < 200; i++) {
      view = (await api.get(`/v1/verifications/${id}`)).body;
      if (view.attempts.some((a) => a.status === 'completed')) return view;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`attempt of ${id} did not complete: ${JSON.stringify(view)}`);
  };

  it('places a voice verification call and reports it delivered', async () => {
    const started = await api.post('/v1/verifications', { to: '+12025550100', channel: 'call' });
    expect(started.status).toBe(201);
    const view = await finished(started.body.id as string);
    expect(view.attempts[0]).toMatchObject({ channel: 'call', result: 'delivered', outcome: 'answered', reason_code: null });
    expect(fake.stats.originates).toBeGreaterThanOrEqual(1);
  });

  it('reports a busy callee with its cause and legacy reason', async () => {
    const started = await api.post('/v1/verifications', { to: '+12025550103', channel: 'call' });
    expect(started.status).toBe(201);
    const view = await finished(started.body.id as string);
    expect(view.attempts[0]).toMatchObject({ outcome: 'busy', reason_code: 5, cause: { q850: 17, sip: 486, text: 'USER_BUSY' } });
  });

  it('approves a reverse verification typed on the keypad', async () => {
    const started = await api.post('/v1/verifications', { to: '+12025550163', channel: 'reverse', code: '1234' });
    expect(started.status).toBe(201);
    const view = await finished(started.body.id as string);
    expect(view.attempts[0]).toMatchObject({ channel: 'reverse', result: 'matched', matched: true });
    expect(view.status).toBe('approved');
  });

  it('sends an SMS as a SIP MESSAGE through the chat API', async () => {
    const started = await api.post('/v1/verifications', { to: '+12025550102', channel: 'sms' });
    expect(started.status).toBe(201);
    const view = await finished(started.body.id as string);
    expect(view.attempts[0]).toMatchObject({ channel: 'sms', result: 'delivered' });
    expect(fake.messages.at(-1)).toMatchObject({ to: 'qa/sip:+12025550102@127.0.0.1:5090', body: expect.stringMatching(/^\d{6} is your pbxverify verification code$/) as string });
  });

  it('never logs the numbers it dials', () => {
    expect(engine.lines.join('\n')).not.toMatch(/2025550100|2025550163/);
  });
});

describe('pbxverify serve refuses a FreeSWITCH it cannot use', () => {
  it('exits with a clear error on a wrong password', async () => {
    const fake = new FakeFreeSwitch({ heartbeatMs: 0 });
    await fake.start();
    try {
      const run = await runCli(['serve'], { PBXVERIFY_PBX: fake.url('not-the-password'), PBXVERIFY_CONFIG: configFile(), PBXVERIFY_PORT: '0', PBXVERIFY_LOG_LEVEL: 'silent' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^pbxverify: .*FreeSWITCH esl:\/\/127\.0\.0\.1:\d+ refused the password \(-ERR invalid\)/m);
      expect(run.stderr).not.toContain('not-the-password');
    } finally {
      await fake.stop();
    }
  });

});

describe('pbxverify serve configured from the environment alone (a container)', () => {
  let fake: FakeFreeSwitch;
  beforeAll(async () => {
    fake = new FakeFreeSwitch({ timeScale: 0.05, heartbeatMs: 0 });
    await fake.start();
  });
  afterAll(() => fake.stop());

  const env = (): Record<string, string> => ({
    PBXVERIFY_PBX: fake.url(),
    PBXVERIFY_SECRET: 'e2e-engine-secret-0123456789abcdefghij',
    PBXVERIFY_API_KEYS: `${KEY.id}:${KEY.secret}`,
    PBXVERIFY_TRUNK: 'carrier',
    PBXVERIFY_FREESWITCH_SOUNDS_DIR: '/usr/share/freeswitch/sounds',
    PBXVERIFY_FREESWITCH_CHAT_TO: 'external/sip:{number}@sms.example.net',
  });

  it('starts with PBXVERIFY_PBX=esl://… and PBXVERIFY_TRUNK, and dials and texts as told', async () => {
    const engine = await startEngine(env());
    try {
      const api = new ApiClient(engine.url, engine.auth(KEY.id, KEY.secret));
      expect((await api.get('/readyz')).status).toBe(200);
      const sms = await api.post('/v1/verifications', { to: '+12025550102', channel: 'sms' });
      expect(sms.status).toBe(201);
      for (let i = 0; i < 100 && fake.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fake.messages.at(-1)).toMatchObject({ to: 'external/sip:+12025550102@sms.example.net' });
    } finally {
      await engine.stop();
    }
  });

  it('says which variable is missing when the dial string needs a trunk and none is set', async () => {
    const { PBXVERIFY_TRUNK: _left, ...rest } = env();
    const run = await runCli(['serve'], { ...rest, PBXVERIFY_PORT: '0', PBXVERIFY_LOG_LEVEL: 'silent' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/set calls\.trunk \(or PBXVERIFY_TRUNK\)/);
  });
});

describe('pbxverify serve with two FreeSWITCH nodes behind the dialer', () => {
  const fakes = [new FakeFreeSwitch({ timeScale: 0.05, heartbeatMs: 0 }), new FakeFreeSwitch({ timeScale: 0.05, heartbeatMs: 0 })];
  let engine: EngineProcess;
  let api: ApiClient;

  beforeAll(async () => {
    for (const fake of fakes) await fake.start();
    engine = await startEngine({
      PBXVERIFY_PBX: fakes.map((f) => f.url()).join(' '),
      PBXVERIFY_CONFIG: configFile(),
      PBXVERIFY_SECRET: 'e2e-engine-secret-0123456789abcdefghij',
    });
    api = new ApiClient(engine.url, engine.auth(KEY.id, KEY.secret));
  });
  afterAll(async () => {
    await engine?.stop();
    for (const fake of fakes) await fake.stop();
  });

  it('is ready with both nodes up', async () => {
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.pbx).toMatchObject({ kind: 'freeswitch-esl', ready: true, detail: expect.stringMatching(/^2\/2 nodes up; esl:\/\/127\.0\.0\.1:\d+: up/) as string });
  });

  it('spreads calls over both nodes', async () => {
    // Two calls at once: the dialer puts each on the node with fewer calls.
    const started = await Promise.all(['+12025550100', '+12025550102'].map((to) => api.post('/v1/verifications', { to, channel: 'call' })));
    expect(started.map((r) => r.status)).toEqual([201, 201]);
    for (let i = 0; i < 100 && fakes.some((f) => f.stats.originates === 0); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fakes.map((f) => f.stats.originates)).toEqual([1, 1]);
  });
});
