import { ADMIN_KEY, ConsoleClient, CONSOLE_API_KEY, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';
import { startEngine, type EngineProcess } from '../support/engine-process';
import { docsExample } from '../support/routing-example';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * The console's admin side over HTTP against real engines (dist/, simulator PBX, one SQLite
 * history): trunk and route edits applied at once, refused when invalid or not an admin's,
 * audited, kept across a restart and read by a second engine on the same database; the audit
 * log's paging and filters; operators added, changed, disabled; webhook deliveries in the timeline.
 */
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const GB = '+442079460123';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await fn();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('console admin: routing edits, audit log, operators, webhook deliveries (e2e)', () => {
  let c: ConsoleEngine;
  let admin: ConsoleClient;
  let receiver: WebhookReceiver;
  let hookUrl: string;
  const apiAs = (key: { id: string; secret: string }) => async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${c.url}${path}`, { method, headers: { authorization: basic(key.id, key.secret), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const opsApi = (method: string, path: string, body?: unknown) => apiAs(ADMIN_KEY)(method, path, body);
  const trunk = async (name: string, url = c.url) => {
    const res = await fetch(`${url}/v1/trunks`, { headers: { authorization: basic(ADMIN_KEY.id, ADMIN_KEY.secret) } });
    return ((await res.json()) as { trunks: any[] }).trunks.find((t) => t.name === name);
  };
  const callTrunk = async (to: string): Promise<string> => {
    const made = await apiAs(CONSOLE_API_KEY)('POST', '/v1/verifications', { to, channel: 'call' });
    expect(made.status).toBe(201);
    return until('the call to be placed', async () => {
      const v = await apiAs(CONSOLE_API_KEY)('GET', `/v1/verifications/${made.body.id}`);
      return (v.body.attempts?.[0]?.trunk as string | undefined) ?? undefined;
    });
  };

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    hookUrl = await receiver.start();
    c = await startConsoleEngine({ ...docsExample(), webhooks: { pollMs: 50, allowNetworks: ['127.0.0.0/8'] } });
    admin = new ConsoleClient(c.url);
    expect((await admin.login(c.admin.username, c.admin.password)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
    await receiver?.stop();
  });

  it('an admin edits a trunk: applied at once, audited with the user, shown in the routing view', async () => {
    const res = await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-a', { maxConcurrent: 7, cps: 3 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'trunk', name: 'carrier-a', updatedBy: 'root' });
    expect(await trunk('carrier-a')).toMatchObject({ max_concurrent: 7, cps: 3, enabled: true });
    const view = (await admin.request('GET', '/console/api/v1/admin/routing')).body;
    expect(view.editable).toBe(true);
    expect(view.trunks.find((t: any) => t.name === 'carrier-a')).toMatchObject({ maxConcurrent: 7, cps: 3 });
    const audit = (await admin.request('GET', '/console/api/audit?action=PUT')).body.entries;
    expect(audit[0]).toMatchObject({ actor: 'root', action: 'PUT /v1/admin/routing/trunks/:name', target: 'carrier-a', status: 200 });
  });

  it('draining a trunk or reordering a route moves the next call', async () => {
    expect(await callTrunk(GB)).toBe('carrier-a');
    expect((await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-a', { enabled: false })).status).toBe(200);
    expect(await trunk('carrier-a')).toMatchObject({ enabled: false });
    expect(await callTrunk('+442079460124')).toBe('carrier-b');
    expect((await admin.request('DELETE', '/console/api/v1/admin/routing/trunks/carrier-a')).body).toEqual({ removed: true });
    expect(await callTrunk('+442079460125')).toBe('carrier-a');
    const order = await admin.request('PUT', '/console/api/v1/admin/routing/routes/routes.0', { trunks: ['carrier-b', 'carrier-a'] });
    expect(order.status).toBe(200);
    expect(await callTrunk('+442079460126')).toBe('carrier-b');
  }, 60_000);

  it('refuses invalid edits with the field named, and changes nothing', async () => {
    const badPool = await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-b', { callerIds: ['12345'] });
    expect(badPool.status).toBe(400);
    expect(JSON.stringify(badPool.body.error)).toContain('callerIds');
    const unknownTrunk = await admin.request('PUT', '/console/api/v1/admin/routing/routes/routes.1', { trunks: ['carrier-z'] });
    expect(unknownTrunk.status).toBe(422);
    expect(unknownTrunk.body.error).toMatchObject({ code: 'ROUTING_EDIT_INVALID', details: { field: 'trunks' } });
    const mixed = await admin.request('PUT', '/console/api/v1/admin/routing/routes/routes.0', { trunks: [{ name: 'carrier-a', weight: 3 }, 'carrier-b'] });
    expect(mixed.body.error.code).toBe('ROUTING_EDIT_INVALID');
    const caps = await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-b', { cps: -1 });
    expect([caps.status, caps.body.error.code]).toEqual([400, 'REQUEST_INVALID']);
    const missing = await admin.request('PUT', '/console/api/v1/admin/routing/trunks/nope', { cps: 1 });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'ROUTING_TARGET_NOT_FOUND']);
    expect(await trunk('carrier-b')).toMatchObject({ caller_ids: ['+12025550181'], cps: null });
  });

  it('refuses viewers, operators, a missing CSRF token and non-admin keys', async () => {
    await admin.request('POST', '/console/api/operators', { username: 'vera', role: 'viewer', password: 'vera-password-123' });
    await admin.request('POST', '/console/api/operators', { username: 'otto', role: 'operator', password: 'otto-password-123' });
    for (const name of ['vera', 'otto']) {
      const who = new ConsoleClient(c.url);
      await who.login(name, `${name}-password-123`);
      expect((await who.request('GET', '/console/api/v1/admin/routing')).status).toBe(200);
      const edit = await who.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-b', { cps: 1 });
      expect([edit.status, edit.body.error.code]).toEqual([403, 'CONSOLE_ROLE_REQUIRED']);
    }
    const noCsrf = await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-b', { cps: 1 }, { csrf: null });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'CONSOLE_CSRF_INVALID']);
    const shop = await apiAs(CONSOLE_API_KEY)('PUT', '/v1/admin/routing/trunks/carrier-b', { cps: 1 });
    expect([shop.status, shop.body.error.code]).toEqual([403, 'ADMIN_REQUIRED']);
    expect(await trunk('carrier-b')).toMatchObject({ cps: null });
  });

  it('admin keys edit through the API too, audited under the key', async () => {
    const res = await opsApi('PUT', '/v1/admin/routing/trunks/carrier-b', { maxConcurrent: 11 });
    expect([res.status, res.body.updatedBy]).toEqual([200, ADMIN_KEY.id]);
    const audit = (await admin.request('GET', `/console/api/audit?actor=key:${ADMIN_KEY.id}`)).body.entries;
    expect(audit[0]).toMatchObject({ action: 'routing.trunk.edit', target: 'carrier-b' });
  });

  it('keeps edits across a restart and a second engine on the same database reads them and later ones', async () => {
    let other: EngineProcess | undefined;
    try {
      other = await startEngine({ ...c.env, PBXVERIFY_LOG_LEVEL: 'info' });
      expect(await trunk('carrier-b', other.url)).toMatchObject({ max_concurrent: 11 });
      expect((await admin.request('PUT', '/console/api/v1/admin/routing/trunks/carrier-b', { maxConcurrent: 12, enabled: false })).status).toBe(200);
      const seen = await until('the other engine to poll the edit', async () => {
        const t = await trunk('carrier-b', other?.url);
        return t?.max_concurrent === 12 ? t : undefined;
      });
      expect(seen).toMatchObject({ enabled: false });
    } finally {
      await other?.stop();
    }
  }, 60_000);

  it('pages and filters the audit log on the server', async () => {
    const page1 = (await admin.request('GET', '/console/api/audit?limit=2')).body;
    expect(page1.entries).toHaveLength(2);
    expect(page1.next).toEqual({ before: page1.entries[1].at, beforeId: page1.entries[1].id });
    const page2 = (await admin.request('GET', `/console/api/audit?limit=2&before=${page1.next.before}&beforeId=${page1.next.beforeId}`)).body;
    expect(page2.entries.map((e: any) => e.id)).not.toContain(page1.entries[0].id);
    expect(page2.entries.map((e: any) => e.id)).not.toContain(page1.entries[1].id);
    const logins = (await admin.request('GET', '/console/api/audit?action=login&actor=vera')).body.entries;
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((e: any) => e.actor === 'vera' && e.action.startsWith('login'))).toBe(true);
    expect((await admin.request('GET', '/console/api/audit?limit=1000')).status).toBe(400);
  });

  it('adds an operator with a password shown once, who signs in; role change, disable and unlock are audited', async () => {
    const weak = await admin.request('POST', '/console/api/operators', { username: 'pat', role: 'operator', password: 'short' });
    expect([weak.status, weak.body.error.code]).toEqual([400, 'CONSOLE_PASSWORD_WEAK']);
    const made = await admin.request('POST', '/console/api/operators', { username: 'pat', role: 'operator' });
    expect(made.status).toBe(200);
    expect(made.body.password.length).toBeGreaterThanOrEqual(12);
    const pat = new ConsoleClient(c.url);
    expect((await pat.login('pat', made.body.password)).body).toMatchObject({ user: 'pat', role: 'operator' });
    expect((await admin.request('POST', '/console/api/operators/pat', { role: 'viewer' })).status).toBe(200);
    // a role change ends the operator's sessions
    expect((await pat.request('GET', '/console/api/session')).body.error.code).toBe('CONSOLE_SESSION_REQUIRED');
    expect((await admin.request('POST', '/console/api/operators/pat', { disabled: true })).status).toBe(200);
    expect((await new ConsoleClient(c.url).login('pat', made.body.password)).status).toBe(401);
    const self = await admin.request('POST', '/console/api/operators/root', { role: 'viewer' });
    expect([self.status, self.body.error.details.field]).toEqual([400, 'role']);
    for (let i = 0; i < 3; i++) await new ConsoleClient(c.url).login('otto', 'wrong-password-xx');
    expect((await admin.request('GET', '/console/api/operators')).body.operators.find((o: any) => o.username === 'otto')).toMatchObject({ locked: true });
    expect((await admin.request('POST', '/console/api/operators/otto', { unlock: true })).status).toBe(200);
    expect((await new ConsoleClient(c.url).login('otto', 'otto-password-123')).status).toBe(200);
    const audit = (await admin.request('GET', '/console/api/audit?action=operator.')).body.entries.map((e: any) => `${e.action} ${e.target}`);
    expect(audit).toEqual(expect.arrayContaining(['operator.add pat', 'operator.update pat', 'operator.update otto']));
  });

  it('shows webhook deliveries in the verification timeline', async () => {
    const made = await apiAs(CONSOLE_API_KEY)('POST', '/v1/verifications', { to: '+12025550100', channel: 'sms', callback_url: hookUrl });
    expect(made.status).toBe(201);
    const detail = await until('a webhook delivery in the history', async () => {
      const d = await admin.request('GET', `/console/api/verification/${made.body.id}`);
      return d.status === 200 && d.body.webhooks?.length ? d.body : undefined;
    });
    expect(detail.webhooks[0]).toMatchObject({ url_host: new URL(hookUrl).host, try: 1, status_code: 204, result: 'delivered' });
    expect(typeof detail.webhooks[0].latency_ms).toBe('number');
  }, 30_000);
});
