import { request as httpRequest } from 'node:http';
import { startEngine, type EngineProcess } from '../support/engine-process';
import { ConsoleClient, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/** A second client holding a copy of another's cookie (as a thief with the cookie would). */
function copyOf(client: ConsoleClient): ConsoleClient {
  const copy = new ConsoleClient(client.url);
  copy.cookie = client.cookie;
  copy.csrf = client.csrf;
  return copy;
}

/**
 * Server-side session revocation (OWASP: logout, password change, role change and disable end
 * every session of the account) and the login rate limit shared by engines on one Redis store.
 * Two real engines share one SQLite history file and one redis-server.
 */
describe('console sessions and login limits across engines (e2e, Redis + shared SQLite)', () => {
  let redis: RedisServer;
  let c: ConsoleEngine;
  let second: EngineProcess;
  let admin: ConsoleClient;

  beforeAll(async () => {
    redis = await startRedisServer();
    c = await startConsoleEngine({ store: redis.url, console: { maxFailedLogins: 5, lockoutMinutes: 1, loginsPerMinute: 20 } });
    second = await startEngine({ ...c.env, PBXVERIFY_HISTORY: c.history, PBXVERIFY_LOG_LEVEL: 'info' });
    admin = new ConsoleClient(c.url);
    expect((await admin.login(c.admin.username, c.admin.password)).status).toBe(200);
    const made = await admin.request('POST', '/console/api/operators', { username: 'vera', role: 'operator', password: 'vera-password-1234' });
    expect(made.status).toBe(200);
  }, 90_000);
  afterAll(async () => {
    await second?.stop();
    await c?.stop();
    await redis?.stop();
  });

  it('refuses a copied cookie replayed after logout, on this engine and on the other', async () => {
    const vera = new ConsoleClient(c.url);
    expect((await vera.login('vera', 'vera-password-1234')).status).toBe(200);
    const stolen = copyOf(vera);
    const stolenElsewhere = copyOf(vera);
    (stolenElsewhere as { url: string }).url = second.url;
    // the copy works while the session is open, on both engines (one secret, one database)
    expect((await stolen.request('GET', '/console/api/session')).status).toBe(200);
    expect((await stolenElsewhere.request('GET', '/console/api/session')).status).toBe(200);
    expect((await vera.request('POST', '/console/api/logout', {})).status).toBe(200);
    for (const replay of [stolen, stolenElsewhere]) {
      const res = await replay.request('GET', '/console/api/session');
      expect([res.status, res.body.error.code]).toEqual([401, 'CONSOLE_SESSION_REQUIRED']);
      const change = await replay.request('POST', '/console/api/v1/admin/do-not-call', { numbers: ['+12025550177'] });
      expect([change.status, change.body.error.code]).toEqual([401, 'CONSOLE_SESSION_REQUIRED']);
    }
    // logging in again makes a working session
    expect((await new ConsoleClient(second.url).login('vera', 'vera-password-1234')).status).toBe(200);
  });

  it('ends every session of the account on a password change; the changer gets a new one', async () => {
    const here = new ConsoleClient(c.url);
    const there = new ConsoleClient(second.url);
    expect((await here.login('vera', 'vera-password-1234')).status).toBe(200);
    expect((await there.login('vera', 'vera-password-1234')).status).toBe(200);
    const stolen = copyOf(here);
    const wrong = await here.request('POST', '/console/api/password', { current: 'not-my-password', password: 'vera-password-5678' });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, 'CONSOLE_PASSWORD_WRONG']);
    const weak = await here.request('POST', '/console/api/password', { current: 'vera-password-1234', password: 'short' });
    expect([weak.status, weak.body.error.code]).toEqual([400, 'CONSOLE_PASSWORD_WEAK']);
    const noCsrf = await here.request('POST', '/console/api/password', { current: 'vera-password-1234', password: 'vera-password-5678' }, { csrf: null });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'CONSOLE_CSRF_INVALID']);

    const changed = await here.request('POST', '/console/api/password', { current: 'vera-password-1234', password: 'vera-password-5678' });
    expect(changed.status).toBe(200);
    here.csrf = changed.body.csrf as string;
    expect((await here.request('GET', '/console/api/session')).status).toBe(200);
    expect((await stolen.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
    expect((await there.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
    expect((await new ConsoleClient(second.url).login('vera', 'vera-password-1234')).status).toBe(401);
    expect((await new ConsoleClient(second.url).login('vera', 'vera-password-5678')).status).toBe(200);
  });

  it('ends the sessions of an account whose role changes or which is disabled, on every engine', async () => {
    const there = new ConsoleClient(second.url);
    expect((await there.login('vera', 'vera-password-5678')).status).toBe(200);
    expect((await admin.request('POST', '/console/api/operators/vera', { role: 'viewer' })).status).toBe(200);
    expect((await there.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
    expect((await there.login('vera', 'vera-password-5678')).body.role).toBe('viewer');
    expect((await admin.request('POST', '/console/api/operators/vera', { disabled: true })).status).toBe(200);
    expect((await there.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
  });

  it('counts login tries per address across both engines (one window in Redis)', async () => {
    // A client address of its own (another loopback source address), so the other tests' logins
    // do not count; started early enough in a minute that the fixed window does not turn meanwhile.
    const from = '127.0.0.77';
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 35_000) await new Promise((r) => setTimeout(r, left + 200));
    // 20 tries a minute per address, shared: 10 on each engine use them all up
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await loginFrom(c.url, from, 'nobody-here', `wrong-${i}`)).status);
      statuses.push((await loginFrom(second.url, from, 'nobody-here', `wrong-${i}`)).status);
    }
    expect(statuses).toEqual(Array(20).fill(401));
    for (const url of [c.url, second.url]) {
      const res = await loginFrom(url, from, c.admin.username, c.admin.password);
      expect([res.status, res.code]).toEqual([429, 'CONSOLE_LOGIN_RATE']);
    }
    // another address is not held back
    expect((await loginFrom(second.url, '127.0.0.78', c.admin.username, c.admin.password)).status).toBe(200);
  }, 80_000);
});

/** POST /console/api/login from a chosen loopback source address. */
function loginFrom(url: string, localAddress: string, username: string, password: string): Promise<{ status: number; code: string | undefined }> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/console/api/login`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
