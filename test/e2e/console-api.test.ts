import { request as httpRequest } from 'node:http';
import { ConsoleClient, CONSOLE_API_KEY, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';
import { runCli } from '../support/engine-process';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Reads an SSE stream until `until` matches the collected events or the timeout passes. */
function readEvents(url: string, headers: Record<string, string>, until: (events: any[]) => boolean, timeoutMs = 10_000): Promise<{ status: number; events: any[]; contentType: string }> {
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    const req = httpRequest(url, { headers }, (res) => {
      let buffer = '';
      const done = (): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, events, contentType: String(res.headers['content-type']) });
      };
      const timer = setTimeout(done, timeoutMs);
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
        if (until(events) || res.statusCode !== 200) done();
      });
      res.on('end', done);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('operator console API (e2e, simulator + SQLite)', () => {
  let c: ConsoleEngine;
  let admin: ConsoleClient;

  beforeAll(async () => {
    c = await startConsoleEngine();
    admin = new ConsoleClient(c.url);
    expect((await admin.login(c.admin.username, c.admin.password)).status).toBe(200);
  }, 60_000);
  afterAll(async () => c?.stop());

  it('signs in with a signed HttpOnly SameSite=Strict cookie and refuses a wrong password', async () => {
    const client = new ConsoleClient(c.url);
    const res = await client.request('POST', '/console/api/login', { username: c.admin.username, password: c.admin.password });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^pbxv_console=[^;]+; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect((await client.request('GET', '/console/api/session')).body).toMatchObject({ user: 'root', role: 'admin' });
    const wrong = await new ConsoleClient(c.url).login(c.admin.username, 'not-the-password');
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'CONSOLE_LOGIN_INVALID']);
    const unknown = await new ConsoleClient(c.url).login('nobody', 'not-the-password');
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'CONSOLE_LOGIN_INVALID']);
    // a tampered cookie is no session
    const forged = new ConsoleClient(c.url);
    forged.cookie = client.cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect((await forged.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
  });

  it('locks an account after too many wrong passwords, even for the right one, and audits it', async () => {
    expect((await admin.request('POST', '/console/api/operators', { username: 'mallory', role: 'viewer', password: 'mallory-password-123' })).status).toBe(200);
    const client = new ConsoleClient(c.url);
    expect((await client.login('mallory', 'wrong-1')).body.error.code).toBe('CONSOLE_LOGIN_INVALID');
    expect((await client.login('mallory', 'wrong-2')).body.error.code).toBe('CONSOLE_LOGIN_INVALID');
    const third = await client.login('mallory', 'wrong-3');
    expect([third.status, third.body.error.code]).toEqual([423, 'CONSOLE_LOGIN_LOCKED']);
    expect((await client.login('mallory', 'mallory-password-123')).body.error.code).toBe('CONSOLE_LOGIN_LOCKED');
    const audit = (await admin.request('GET', '/console/api/audit')).body.entries.map((e: any) => `${e.actor} ${e.action}`);
    expect(audit).toEqual(expect.arrayContaining(['mallory login.lockout', 'mallory login.locked', 'root operator.add']));
  });

  it('refuses a change without the CSRF token, with another session\'s token, and from another origin', async () => {
    const body = { numbers: ['+12025550199'] };
    const none = await admin.request('POST', '/console/api/v1/admin/do-not-call', body, { csrf: null });
    expect([none.status, none.body.error.code]).toEqual([403, 'CONSOLE_CSRF_INVALID']);
    const other = new ConsoleClient(c.url);
    await other.login(c.admin.username, c.admin.password);
    const replayed = await admin.request('POST', '/console/api/v1/admin/do-not-call', body, { csrf: other.csrf });
    expect(replayed.body.error.code).toBe('CONSOLE_CSRF_INVALID');
    const res = await fetch(`${c.url}/console/api/v1/admin/do-not-call`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(403);
    const ok = await admin.request('POST', '/console/api/v1/admin/do-not-call', body);
    expect([ok.status, ok.body.added]).toEqual([200, 1]);
  });

  it('lets a viewer read with numbers masked and refuses changes, keys and accounts', async () => {
    await admin.request('POST', '/console/api/operators', { username: 'vera', role: 'viewer', password: 'vera-password-1234' });
    const viewer = new ConsoleClient(c.url);
    expect((await viewer.login('vera', 'vera-password-1234')).body.role).toBe('viewer');
    const made = await admin.request('POST', '/console/api/v1/verifications', { to: '+12025550100', channel: 'sms' });
    expect(made.status).toBe(201);
    const seen = await viewer.request('GET', `/console/api/v1/verifications/${made.body.id}`);
    expect([seen.status, seen.body.to]).toEqual([200, '+12025****00']);
    for (const [method, path, body] of [
      ['POST', '/console/api/v1/verifications', { to: '+12025550100', channel: 'call' }],
      ['POST', '/console/api/keys', { id: 'x', name: 'x', channels: ['call'] }],
      ['GET', '/console/api/operators', undefined],
      ['GET', '/console/api/v1/admin/do-not-call', undefined],
    ] as const) {
      const res = await viewer.request(method, path, body);
      expect([path, res.status, res.body.error.code]).toEqual([path, 403, 'CONSOLE_ROLE_REQUIRED']);
    }
    expect((await viewer.request('GET', '/console/api/v1/admin/keys')).body.error.code).toBe('CONSOLE_ROLE_REQUIRED');
  });

  it('creates a key whose secret is shown once and works on the API, then revokes it', async () => {
    const made = await admin.request('POST', '/console/api/keys', { id: 'partner', name: 'Partner', channels: ['sms'] });
    expect(made.status).toBe(200);
    const auth = basic('partner', made.body.secret as string);
    expect((await fetch(`${c.url}/v1/workflows`, { headers: { authorization: auth } })).status).toBe(200);
    const listed = (await admin.request('GET', '/console/api/keys')).body.keys;
    expect(JSON.stringify(listed)).not.toContain(made.body.secret);
    expect(listed.find((k: any) => k.id === 'partner')).toMatchObject({ source: 'console', revoked: false, channels: ['sms'] });
    expect((await admin.request('POST', '/console/api/keys', { id: 'shop', name: 'dup', channels: ['sms'] })).body.error.code).toBe('CONSOLE_KEY_EXISTS');
    expect((await admin.request('DELETE', '/console/api/keys/partner')).status).toBe(200);
    const refused = await fetch(`${c.url}/v1/workflows`, { headers: { authorization: auth } });
    expect(refused.status).toBe(401);
    expect((await admin.request('DELETE', '/console/api/keys/partner')).body.error.code).toBe('CONSOLE_KEY_NOT_FOUND');
  });

  it('streams a call\'s live events to its key at GET /v1/events, digits as a count and numbers masked', async () => {
    const auth = basic(CONSOLE_API_KEY.id, CONSOLE_API_KEY.secret);
    const stream = readEvents(`${c.url}/v1/events`, { authorization: auth }, (events) => events.some((e) => e.type === 'attempt.ended'), 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${c.url}/v1/verifications`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ to: '+12025550100', channel: 'reverse' }) });
    expect(res.status).toBe(201);
    const { status, events, contentType } = await stream;
    expect([status, contentType]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['verification.started', 'attempt.started', 'attempt.answered', 'attempt.playing', 'attempt.ended']));
    expect(events.every((e) => e.keyId === CONSOLE_API_KEY.id && (e.to === undefined || e.to === '+12025****00'))).toBe(true);
    const digits = events.filter((e) => e.type === 'attempt.digits');
    expect(digits.every((e) => typeof e.digits === 'number')).toBe(true);
    // another key's stream does not get them; a bad filter is refused with a stable code
    const bad = await fetch(`${c.url}/v1/events?types=nope`, { headers: { authorization: auth } });
    expect([bad.status, ((await bad.json()) as any).error.code]).toEqual([400, 'QUERY_VALUE_INVALID']);
    expect((await fetch(`${c.url}/v1/events`)).status).toBe(401);
  }, 30_000);

  it('serves the console with a strict Content-Security-Policy and documents /v1/events', async () => {
    const page = await fetch(`${c.url}/console`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const openapi = (await (await fetch(`${c.url}/openapi.json`)).json()) as any;
    expect(openapi.paths['/v1/events'].get).toBeDefined();
  });

  it('refuses a second operator of the same name from the CLI', async () => {
    const again = await runCli(['operator', 'add', 'root'], c.env);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('CONSOLE_OPERATOR_EXISTS')]);
  });
});
