import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Webhook } from 'standardwebhooks';
import { eventually } from '../support/api-client';
import { ROOT, runCli } from '../support/engine-process';

const ENV = { PBXVERIFY_API_KEYS: 'shop:shop-secret-0123456789', PBXVERIFY_SECRET: 'listen-test-engine-secret-0123456789abcdef' };

interface RunningListener {
  url: string;
  lines: string[];
  stop(): Promise<void>;
}

/** `pbxverify webhooks listen` as a process; resolves once it says where it listens. */
async function listen(args: string[], env: Record<string, string> = ENV): Promise<RunningListener> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/pbxverify.js'), 'webhooks', 'listen', '--port', '0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => lines.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => {
      err += `${l}\n`;
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+):/.exec(l);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}: ${err}`)));
  });
  return {
    url,
    lines,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('pbxverify webhooks listen (e2e)', () => {
  let secret: string;
  let listener: RunningListener;
  const body = JSON.stringify({ type: 'verification.approved', timestamp: '2026-01-01T00:00:00.000Z', data: { verification_id: 'abc123', verification: { status: 'approved' } } });

  beforeAll(async () => {
    const printed = await runCli(['keys', 'webhook-secret', 'shop'], ENV);
    expect(printed.code).toBe(0);
    secret = printed.stdout.trim();
    listener = await listen(['--key', 'shop', '--json']);
  });
  afterAll(async () => {
    await listener.stop();
  });

  const post = async (path: string, headers: Record<string, string>, payload = body): Promise<number> =>
    (await fetch(`${listener.url}${path}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...headers } })).status;
  const signed = (id: string, at: Date, payload = body): Record<string, string> => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, payload),
  });
  const lineFor = (id: string): Promise<any> =>
    eventually(async () => listener.lines.map((l) => JSON.parse(l)).find((e) => e.webhook_id === id), `the listener's line for ${id}`);

  it("prints a webhook signed with the key's secret as verified, with its payload, and answers 204", async () => {
    expect(await post('/hooks', signed('msg_good', new Date()))).toBe(204);
    expect(await lineFor('msg_good')).toMatchObject({
      method: 'POST',
      path: '/hooks',
      type: 'verification.approved',
      verified: true,
      signature: 'verified',
      body: JSON.parse(body),
    });
  });

  it('says INVALID for a changed body or an old timestamp, and still answers 204 (it reports, it does not reject)', async () => {
    const headers = signed('msg_changed', new Date());
    expect(await post('/hooks', headers, body.replace('approved', 'canceled'))).toBe(204);
    expect(await lineFor('msg_changed')).toMatchObject({ verified: false, signature: 'INVALID (mismatch)' });
    expect(await post('/hooks', signed('msg_old', new Date(Date.now() - 10 * 60_000)))).toBe(204);
    expect(await lineFor('msg_old')).toMatchObject({ verified: false, signature: 'INVALID (timestamp outside tolerance)' });
  });

  it('prints an unsigned GET callback (called.in style) with its query', async () => {
    const res = await fetch(`${listener.url}/verify.php?phone_number=2025550113&match=1&answered=1`);
    expect(res.status).toBe(204);
    const line = await eventually(async () => listener.lines.map((l) => JSON.parse(l)).find((e) => e.path === '/verify.php'), 'the GET callback');
    expect(line).toMatchObject({ method: 'GET', query: { match: '1', answered: '1' }, verified: false, signature: 'missing (unsigned request)', body: null });
  });

  it('verifies a signed GET callback over its method, full URL and body, and says INVALID for a changed query', async () => {
    const url = `${listener.url}/verify.php?phone_number=2025550114&match=1&answered=1`;
    const at = new Date();
    const headers = { 'webhook-id': 'msg_get', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_get', at, `GET ${url}\n`) };
    expect((await fetch(url, { headers })).status).toBe(204);
    expect(await lineFor('msg_get')).toMatchObject({ method: 'GET', query: { match: '1' }, verified: true, signature: 'verified' });
    const forged = { ...headers, 'webhook-id': 'msg_get_forged', 'webhook-signature': new Webhook(secret).sign('msg_get_forged', at, `GET ${url}\n`) };
    expect((await fetch(url.replace('match=1', 'match=0'), { headers: forged })).status).toBe(204);
    expect(await lineFor('msg_get_forged')).toMatchObject({ query: { match: '0' }, verified: false, signature: 'INVALID (mismatch)' });
  });

  it('prints one readable line a webhook without --json', async () => {
    const text = await listen(['--secret', secret]);
    try {
      await fetch(`${text.url}/x`, { method: 'POST', body, headers: signed('msg_text', new Date()) });
      const line = await eventually(async () => text.lines[0], 'a line');
      expect(line).toMatch(/^\d\d:\d\d:\d\d {2}verification\.approved +abc123 {2}status=approved {2}signature verified$/);
    } finally {
      await text.stop();
    }
  });

  it('refuses to start without a secret it can know, and with both --key and --secret', async () => {
    const derivedWithoutEngineSecret = await runCli(['webhooks', 'listen', '--key', 'shop'], { PBXVERIFY_API_KEYS: ENV.PBXVERIFY_API_KEYS });
    expect(derivedWithoutEngineSecret).toMatchObject({ code: 2, stderr: expect.stringContaining('PBXVERIFY_SECRET, which is not set') });
    expect(await runCli(['webhooks', 'listen', '--key', 'nobody'], ENV)).toMatchObject({ code: 2, stderr: expect.stringContaining('no key "nobody"') });
    expect(await runCli(['webhooks', 'listen', '--key', 'shop', '--secret', secret], ENV)).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') });
    expect(await runCli(['webhooks', 'listen', '--secret', 'not-a-secret'], ENV)).toMatchObject({ code: 2, stderr: expect.stringContaining('whsec_') });
  }, 90_000);
});
