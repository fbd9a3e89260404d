import { CONSOLE_API_KEY, ConsoleClient, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';

const auth = `Basic ${Buffer.from(`${CONSOLE_API_KEY.id}:${CONSOLE_API_KEY.secret}`).toString('base64')}`;

/** The console's call player over HTTP (simulator PBX; the any-PBX rendering is test/unit/console-attempt-audio.test.ts). */
describe('console call player (e2e)', () => {
  let c: ConsoleEngine;
  let admin: ConsoleClient;

  beforeAll(async () => {
    c = await startConsoleEngine();
    admin = new ConsoleClient(c.url);
    expect((await admin.login(c.admin.username, c.admin.password)).status).toBe(200);
    expect((await admin.request('POST', '/console/api/operators', { username: 'vic', role: 'viewer', password: 'vic-password-12345' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => c?.stop());

  it('plays an answered voice attempt to operators (audited), refuses viewers, and says why when there is nothing', async () => {
    const started = await fetch(`${c.url}/v1/verifications`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ to: '+12025550100', channel: 'call' }) });
    expect(started.status).toBe(201);
    const id = ((await started.json()) as { id: string }).id;
    for (let i = 0; i < 200; i++) {
      const v = (await (await fetch(`${c.url}/v1/verifications/${id}`, { headers: { authorization: auth } })).json()) as { attempts: Array<{ status: string }> };
      if (v.attempts[0]?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${c.url}/console/api/heard/${id}/1`, { headers: { cookie: admin.cookie } });
    expect([res.status, res.headers.get('content-type'), res.headers.get('cache-control'), res.headers.get('x-pbxverify-digits')]).toEqual([200, 'audio/wav', 'no-store', 'spoken']);
    const wav = Buffer.from(await res.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.length).toBeGreaterThan(8000 * 2 * 3);

    const viewer = new ConsoleClient(c.url);
    expect((await viewer.login('vic', 'vic-password-12345')).status).toBe(200);
    expect((await viewer.request('GET', `/console/api/heard/${id}/1`)).body.error.code).toBe('CONSOLE_ROLE_REQUIRED');

    const gone = await admin.request('GET', `/console/api/heard/${'f'.repeat(32)}/1`);
    expect([gone.status, gone.body.error.details.reason]).toEqual([404, 'record-gone']);
    const noAttempt = await admin.request('GET', `/console/api/heard/${id}/2`);
    expect([noAttempt.status, noAttempt.body.error.details.reason]).toEqual([404, 'no-such-attempt']);

    const audit = (await admin.request('GET', '/console/api/audit')).body.entries as Array<{ actor: string; action: string; target: string }>;
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'root', action: 'audio.heard', target: `${id}/1` })]));
  }, 60_000);
});
