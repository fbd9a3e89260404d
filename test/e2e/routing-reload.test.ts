import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { eventually } from '../support/api-client';
import { KEY, startFixture, type Fixture } from '../support/e2e-fixture';
import { docsExample } from '../support/routing-example';

/**
 * Routes, trunks and pools reload atomically from the configuration file, on SIGHUP and through
 * POST /v1/admin/routing/reload; a bad file keeps what is in force and says why; a call in flight
 * keeps its trunk.
 */
const ADMIN = { id: 'ops', secret: 'ops-secret-0123456789abcdef', admin: true };
const FR = '+33142685300';

describe('reloading routes', () => {
  let f: Fixture;
  let original: Record<string, unknown>;
  const admin = () => ({ authorization: f.engine.auth(ADMIN.id, ADMIN.secret) });
  const reload = () => f.api.request('POST', '/v1/admin/routing/reload', undefined, admin());
  const rewrite = (change: (config: any) => void) => {
    const config = parse(readFileSync(f.file, 'utf8'));
    change(config);
    writeFileSync(f.file, stringify(config));
  };

  beforeAll(async () => {
    f = await startFixture({ config: { ...docsExample(), apiKeys: [{ id: KEY.id, secret: KEY.secret }, ADMIN], simulator: { speed: 5 } } });
    original = parse(readFileSync(f.file, 'utf8')) as Record<string, unknown>;
  }, 30_000);
  afterAll(() => f.stop());

  it('adds a route through the admin API', async () => {
    expect((await f.api.post('/v1/verifications', { to: FR, channel: 'call' })).body.error.code).toBe('NO_ROUTE');
    rewrite((c) => c.routes.push({ match: { countries: ['FR'] }, trunks: ['carrier-b'] }));
    expect(await reload()).toMatchObject({ status: 200, body: { ok: true, trunks: 2, routes: 3 } });
    expect((await f.api.post('/v1/verifications', { to: FR, channel: 'call' })).status).toBe(201);
  });

  it('keeps the routes in force when the file has problems, and lists them with their config paths', async () => {
    rewrite((c) => {
      c.routes = [{ match: { countries: ['FR'] }, trunks: ['carrier-c'] }];
      c.trunks[1].callerIds = [];
    });
    const res = await reload();
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'ROUTING_RELOAD_REFUSED' } } });
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^trunks\.1\.callerIds: must list at least one/)]));
    expect((await f.api.post('/v1/verifications', { to: '+33142685301', channel: 'call' })).status).toBe(201);
    expect(await f.api.request('POST', '/v1/admin/routing/reload')).toMatchObject({ status: 403, body: { error: { code: 'ADMIN_REQUIRED' } } });
  });

  it('reloads on SIGHUP, and a bad file on SIGHUP is logged and changes nothing', async () => {
    const seen = (text: string) => f.engine.lines.filter((l) => l.includes(text)).length;
    const refusals = seen('routing reload refused');
    f.engine.child.kill('SIGHUP');
    await eventually(async () => (seen('routing reload refused') > refusals ? true : undefined), 'the refusal in the log');
    expect((await f.api.post('/v1/verifications', { to: '+33142685302', channel: 'call' })).status).toBe(201);
    writeFileSync(f.file, stringify(original));
    const reloads = seen('routing reloaded');
    f.engine.child.kill('SIGHUP');
    await eventually(async () => (seen('routing reloaded') > reloads ? true : undefined), 'the reload in the log');
    await eventually(async () => ((await f.api.post('/v1/verifications', { to: '+33142685303', channel: 'call' })).status === 422 ? true : undefined), 'FR unrouted again');
  });

  it('leaves a call in flight on the trunk and caller ID it was placed with', async () => {
    const slow = '+12025550110'; // rings 20 s (4 s at speed 5), then answers
    const created = await f.api.post('/v1/verifications', { to: slow, channel: 'call' });
    expect(created.status).toBe(201);
    await eventually(async () => ((await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(slow)}`)).body.calls.length ? true : undefined), 'the call to start');
    rewrite((c) => {
      c.trunks[1].callerIds = ['+12025550199'];
      c.routes = [{ match: { prefixes: ['+1'] }, trunks: ['carrier-a'] }];
    });
    expect((await reload()).status).toBe(200);
    const done = await f.waitFor(created.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to finish');
    expect(done.attempts[0]).toMatchObject({ outcome: 'answered', trunk: 'carrier-b', caller_id: '+12025550181' });
    const next = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'call' });
    const after = await f.waitFor(next.body.id, (v) => v.attempts[0]?.status === 'completed', 'the next call');
    expect(after.attempts[0].trunk).toBe('carrier-a');
  }, 30_000);
});
