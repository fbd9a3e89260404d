import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiClient, eventually } from '../support/api-client';
import { KEY, QA_KEY, startFixture, type Fixture } from '../support/e2e-fixture';
import { runCli } from '../support/engine-process';

const OPS = { id: 'ops', secret: 'ops-secret-0123456789abcdef' };
/** Every /v1/admin route, by method. */
const ADMIN_ROUTES: Array<[string, string]> = [
  ['/v1/admin/do-not-call', 'get'],
  ['/v1/admin/do-not-call', 'post'],
  ['/v1/admin/do-not-call', 'delete'],
  ['/v1/admin/routing/reload', 'post'],
  ['/v1/admin/routing', 'get'],
  ['/v1/admin/routing/trunks/{name}', 'put'],
  ['/v1/admin/routing/trunks/{name}', 'delete'],
  ['/v1/admin/routing/routes/{name}', 'put'],
  ['/v1/admin/routing/routes/{name}', 'delete'],
  ['/v1/admin/fraud/blocks', 'get'],
  ['/v1/admin/fraud/blocks/{prefix}', 'delete'],
];

/** History through the real server: recorded on the way, searchable, reported, exported, kept after the live record. */
describe('history (e2e, SQLite)', () => {
  const history = `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-history-e2e-')), 'history.db')}`;
  const config = {
    apiKeys: [
      { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, allowCustomCode: true, allowedCallerIds: ['+442037691880'], brand: 'Acme' },
      { id: QA_KEY.id, secret: QA_KEY.secret, allowedChannels: ['sms'] },
      { id: OPS.id, secret: OPS.secret, reports: true, allowedChannels: ['sms'] },
    ],
    history: { writerPollMs: 50, maxPageSize: 100 },
  };
  let f: Fixture;
  let ops: ApiClient;
  const ids: { approved: string; busy: string } = { approved: '', busy: '' };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-rates-'));
    const header = 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from';
    writeFileSync(join(dir, 'bad.csv'), `${header}\n1,0.0100,60/60,0.0050,0.0075,USD,\n1202,lots,60/60,0,0,USD,\n`);
    const bad = await runCli(['rates', 'import', '--trunk', 'default', join(dir, 'bad.csv')], { PBXVERIFY_HISTORY: history });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('line 3: rate_per_min "lots"')]);
    // calls without a configured trunk are priced from the deck of trunk "default"
    writeFileSync(join(dir, 'deck.csv'), `${header}\n1,0.0100,60/60,0.0050,0.0075,USD,\n1202,0.0200,60/60,0.0070,0.0075,USD,\n`);
    const imported = await runCli(['rates', 'import', '--trunk', 'default', join(dir, 'deck.csv')], { PBXVERIFY_HISTORY: history });
    expect([imported.code, imported.stdout]).toEqual([0, 'imported 2 rates for trunk default (USD)\n']);
    f = await startFixture({ config, env: { PBXVERIFY_HISTORY: history } });
    ops = f.api.withAuth(f.engine.auth(OPS.id, OPS.secret));
    const answered = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'call' });
    ids.approved = answered.body.id as string;
    await f.waitFor(ids.approved, (v) => v.attempts[0]?.status === 'completed', 'the call to end');
    const code = await f.heardCode('+12025550100');
    expect((await f.api.post(`/v1/verifications/${ids.approved}/check`, { code })).body.verified).toBe(true);
    const busy = await f.api.post('/v1/verifications', { to: '+12025550103', channel: 'call' });
    ids.busy = busy.body.id as string;
    await f.waitFor(ids.busy, (v) => v.attempts[0]?.status === 'completed', 'the busy call to end');
    // its only step was not answered: the verification fails at once (reason not-answered)
    await f.waitFor(ids.busy, (v) => v.status === 'failed', 'the failure');
  });
  afterAll(async () => f?.stop());

  const listed = (query: string) =>
    eventually(async () => {
      const res = await ops.get(`/v1/verifications${query}`);
      return res.status === 200 && res.body.items.length > 0 && res.body.items.every((v: any) => v.status !== 'pending') ? res : undefined;
    }, `history for ${query}`);

  it('finds a verification by number, hashed at rest', async () => {
    const res = await listed('?number=%2B12025550100');
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ id: ids.approved, status: 'approved', reason: 'code-matched', ended_by: 'api', country: 'US', prefix: '+12025', channel: 'call', checks: 1, delivered: true });
    expect(res.body.items[0].number).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(res.body)).not.toContain('2025550100');
  });

  it('pages with a cursor and filters by status', async () => {
    await listed('?status=failed');
    const first = await ops.get('/v1/verifications?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await ops.get(`/v1/verifications?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(new Set([first.body.items[0].id, second.body.items[0].id])).toEqual(new Set([ids.approved, ids.busy]));
    expect(second.body.next_cursor).toBeNull();
    const failed = await ops.get('/v1/verifications?status=failed');
    expect(failed.body.items.map((v: any) => v.id)).toEqual([ids.busy]);
  });

  it('refuses bad queries with stable codes, and keys without the reports permission', async () => {
    const cases: Array<[string, number, string]> = [
      ['?colour=blue', 400, 'QUERY_PARAM_UNKNOWN'],
      ['?from=yesterday', 400, 'QUERY_DATE_INVALID'],
      ['?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 400, 'QUERY_RANGE_REVERSED'],
      ['?limit=101', 400, 'QUERY_PAGE_SIZE_INVALID'],
      ['?limit=0', 400, 'QUERY_PAGE_SIZE_INVALID'],
      ['?cursor=not-a-cursor', 400, 'QUERY_CURSOR_INVALID'],
      ['?status=lost', 400, 'QUERY_VALUE_INVALID'],
      ['?number=12345', 400, 'NUMBER_NOT_E164'],
    ];
    for (const [query, status, code] of cases) {
      const res = await ops.get(`/v1/verifications${query}`);
      expect([query, res.status, res.body.error?.code]).toEqual([query, status, code]);
    }
    expect((await ops.get('/v1/reports/conversion?group_by=planet')).body.error.code).toBe('QUERY_VALUE_INVALID');
    expect((await ops.get('/v1/reports/conversion')).body.error.code).toBe('QUERY_VALUE_INVALID');
    for (const groupBy of ['country,planet', 'country,day,channel', 'day,day', 'country,', ',day', '']) {
      const res = await ops.get(`/v1/reports/conversion?group_by=${encodeURIComponent(groupBy)}`);
      expect([groupBy, res.status, res.body.error?.code]).toEqual([groupBy, 400, 'QUERY_VALUE_INVALID']);
    }
    const shop = await f.api.get('/v1/verifications');
    expect([shop.status, shop.body.error.code]).toEqual([403, 'REPORTS_REQUIRED']);
  });

  it('reports conversion by country and channel', async () => {
    await listed('?status=failed');
    const res = await ops.get('/v1/reports/conversion?group_by=country');
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      expect.objectContaining({ group: 'US', started: 2, delivered: 1, verified: 1, conversion_rate: 0.5, median_time_to_verify_ms: expect.any(Number) }),
    ]);
    expect(res.body.rows[0]).toMatchObject({ cost: '0.007000', cost_per_verified: '0.007000', currency: 'USD' });
    const byChannel = await ops.get('/v1/reports/conversion?group_by=channel');
    expect(byChannel.body.rows.map((r: any) => [r.group, r.started])).toEqual([['call', 2]]);
    // two dimensions: today's (UTC) partial day is read from the base tables
    const days = [...new Set(((await ops.get('/v1/verifications')).body.items as Array<{ created_at: string }>).map((v) => v.created_at.slice(0, 10)))].sort();
    const two = await ops.get('/v1/reports/conversion?group_by=country,day');
    expect([two.status, two.body.group_by]).toEqual([200, 'country,day']);
    expect(two.body.rows.map((r: any) => [r.group, r.groups])).toEqual(days.map((day) => [`US,${day}`, { country: 'US', day }]));
    expect(two.body.rows.reduce((n: number, r: any) => n + r.started, 0)).toBe(2);
    // whole days come from the roll-up: the same figures
    const from = days[0] as string;
    const to = new Date(Date.parse(days.at(-1) as string) + 86_400_000).toISOString().slice(0, 10);
    const whole = await ops.get(`/v1/reports/conversion?group_by=day,country&from=${from}&to=${to}`);
    expect(whole.body.rows.map((r: any) => ({ ...r, group: r.group.split(',').reverse().join(',') }))).toEqual(two.body.rows);
  });

  it('exports the attempts as CSV with their causes', async () => {
    await listed('?status=failed');
    const res = await fetch(`${f.engine.url}/v1/reports/attempts.csv`, { headers: { authorization: f.engine.auth(OPS.id, OPS.secret) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^verification_id,n,key_id,created_at,channel,status,result,outcome,/);
    expect(lines).toHaveLength(3);
    const busy = lines.find((l) => l.startsWith(ids.busy)) as string;
    expect(busy).toContain(',not-answered,busy,US,+12025,');
    expect(busy).toContain(',486,17,USER_BUSY,');
    const answered = lines.find((l) => l.startsWith(ids.approved)) as string;
    expect(answered).toContain(',delivered,answered,');
  });

  it('prints the conversion table with the CLI and migrates idempotently', async () => {
    await listed('?status=failed');
    const report = await runCli(['report', '--group-by', 'country'], { PBXVERIFY_HISTORY: history });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/country\s+started\s+delivered\s+verified\s+conversion/);
    expect(report.stdout).toMatch(/US\s+2\s+1\s+1\s+50\.0%/);
    const two = await runCli(['report', '--group-by', 'country,channel'], { PBXVERIFY_HISTORY: history });
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/country\s+channel\s+started\s+delivered/);
    expect(two.stdout).toMatch(/US\s+call\s+2\s+1\s+1\s+50\.0%/);
    const migrate = await runCli(['migrate'], { PBXVERIFY_HISTORY: history });
    expect([migrate.code, migrate.stdout]).toEqual([0, expect.stringContaining('schema up to date')]);
    const bad = await runCli(['report', '--group-by', 'planet'], { PBXVERIFY_HISTORY: history });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('QUERY_VALUE_INVALID');
  });

  it('documents every history, report and admin route in the OpenAPI document with its schemas', async () => {
    const doc = (await (await fetch(`${f.engine.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    const ok = (path: string, method: string) => doc.paths[path]?.[method]?.responses?.['200'];
    const json = (path: string, method = 'get') => ok(path, method)?.content?.['application/json']?.schema;
    expect(Object.keys(json('/v1/verifications')?.properties ?? {})).toEqual(['items', 'next_cursor']);
    expect(Object.keys(json('/v1/verifications')?.properties.items.items.properties ?? {})).toEqual(expect.arrayContaining(['id', 'status', 'number', 'country', 'cost']));
    expect(Object.keys(json('/v1/reports/conversion')?.properties.rows.items.properties ?? {})).toEqual(
      expect.arrayContaining(['group', 'groups', 'started', 'delivered', 'verified', 'conversion_rate', 'median_time_to_verify_ms', 'cost', 'cost_per_verified']),
    );
    expect(ok('/v1/reports/attempts.csv', 'get')?.content?.['text/csv']?.schema).toMatchObject({ type: 'string' });
    const detail = json('/v1/verifications/{id}');
    expect(Object.keys(detail?.properties.attempts.items.properties.cdr.properties ?? {})).toEqual(expect.arrayContaining(['billsec', 'cause', 'sms_status', 'sms_gateway', 'cost']));
    expect(Object.keys(detail?.properties.attempts.items.properties.failover.items.properties ?? {})).toEqual(['trunk', 'outcome', 'cause']);
    for (const path of ['/v1/verifications', '/v1/reports/conversion', '/v1/reports/attempts.csv']) {
      expect([path, Object.keys(doc.paths[path]?.get?.responses ?? {})]).toEqual([path, expect.arrayContaining(['200', '400', '403', '503'])]);
    }
    for (const [path, method] of ADMIN_ROUTES) expect([path, method, doc.paths[path]?.[method]?.tags]).toEqual([path, method, ['admin']]);
  });

  it('answers GET /v1/verifications/{id} from the history once the live record is gone (next engine, same database)', async () => {
    await listed('?status=failed');
    await f.stop();
    f = await startFixture({ config, env: { PBXVERIFY_HISTORY: history } });
    const approved = await f.api.get(`/v1/verifications/${ids.approved}`);
    expect(approved.status).toBe(200);
    // the connection fee of the longest prefix (1202); the manual test clock makes billsec 0
    expect(approved.body).toMatchObject({ id: ids.approved, status: 'approved', source: 'history', channel: 'call', reason: 'code-matched', cost: '0.007000', currency: 'USD' });
    expect(approved.body.attempts[0]).toMatchObject({ n: 1, channel: 'call', result: 'delivered', outcome: 'answered' });
    expect(approved.body.attempts[0].cdr).toMatchObject({ billsec: expect.any(Number), answered_at: expect.any(String), node: expect.any(String) });
    const busy = await f.api.get(`/v1/verifications/${ids.busy}`);
    expect(busy.body).toMatchObject({ status: 'failed', failure_reason: 'not-answered', reason: 'not-answered', ended_by: 'engine', source: 'history', cost: '0.000000' });
    expect(busy.body.attempts[0].cause).toEqual({ q850: 17, sip: 486, text: 'USER_BUSY' });
    // another key never sees it
    expect((await f.api.withAuth(f.engine.auth(QA_KEY.id, QA_KEY.secret)).get(`/v1/verifications/${ids.approved}`)).status).toBe(404);
    const ready = await f.api.get('/readyz');
    expect(ready.body.history).toMatchObject({ enabled: true, kind: 'sqlite', ok: true, backlog: 0 });
  });

  it('finds a verification by number and time after its live record is gone: API, CSV export and CLI, with attempts, causes and cost', async () => {
    // runs after the restart above: only the history knows these verifications now
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const listed = await f.api.withAuth(f.engine.auth(OPS.id, OPS.secret)).get(`/v1/verifications?number=%2B12025550103&${range}`);
    expect(listed.body.items.map((v: any) => v.id)).toEqual([ids.busy]);
    const outside = await f.api.withAuth(f.engine.auth(OPS.id, OPS.secret)).get(`/v1/verifications?number=%2B12025550103&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
    expect(outside.body.items).toEqual([]);

    const csv = await fetch(`${f.engine.url}/v1/reports/attempts.csv?${range}`, { headers: { authorization: f.engine.auth(OPS.id, OPS.secret) } });
    const line = (await csv.text()).split('\r\n').find((l) => l.startsWith(`${ids.busy},1,`));
    expect(line).toContain(',486,17,USER_BUSY,');

    const env = { PBXVERIFY_CONFIG: f.file, PBXVERIFY_HISTORY: history };
    const cli = await runCli(['lookup', '--number', '+12025550100', '--from', from, '--to', to], env);
    expect([cli.code, cli.stderr]).toEqual([0, '']);
    expect(cli.stdout).toMatch(new RegExp(`^${ids.approved}  \\S+  approved  code-matched  key shop  cost 0\\.007000 USD$`, 'm'));
    expect(cli.stdout).toMatch(/^ {2}1\s+call\s+delivered\s+answered\s/m);
    const busy = await runCli(['lookup', '--number', '+12025550103', '--from', from, '--to', to, '--json'], env);
    expect(busy.code).toBe(0);
    const items = (JSON.parse(busy.stdout) as { items: any[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: ids.busy, key_id: 'shop', status: 'failed', reason: 'not-answered', cost: '0.000000', currency: 'USD' });
    expect(items[0].attempts[0]).toMatchObject({ n: 1, channel: 'call', outcome: 'busy', cause: { q850: 17, sip: 486, text: 'USER_BUSY' } });
    // outside the range, a malformed number, and a hashed history without the engine secret
    expect((await runCli(['lookup', '--number', '+12025550103', '--from', '2020-01-01', '--to', '2020-01-02'], env)).stdout).toMatch(/^no verification of that number/);
    const bad = await runCli(['lookup', '--number', '12025550103'], env);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('NUMBER_NOT_E164')]);
    const noSecret = await runCli(['lookup', '--number', '+12025550103'], { PBXVERIFY_HISTORY: history });
    expect([noSecret.code, noSecret.stderr]).toEqual([2, expect.stringContaining('set `secret`')]);
  });
});
