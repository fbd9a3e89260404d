import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiClient, eventually } from '../support/api-client';
import { KEY, QA_KEY, startFixture, type Fixture } from '../support/e2e-fixture';
import { runCli } from '../support/engine-process';

const FREE = { id: 'free', secret: 'free-secret-0123456789abcdef' };
const HEADER = 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from';
const DECKS: Record<string, string[]> = {
  // carrier-a prices by its own name; GB landlines are dear on it
  'carrier-a': ['1,0.0100,60/60,0.0050,0,USD,', '4420,0.5000,60/60,0,0,USD,', '447,0.0200,60/60,0,0,USD,'],
  // carrier-b names its deck (trunks[].rateDeck)
  premium: ['447,0.0800,60/60,0,0,USD,'],
  sms: ['1,0,60/60,0,0.0075,USD,', '44,0,60/60,0,0.0600,USD,'],
};

/**
 * maxCost (docs/history.md): per key and per route, judged at start from the rate decks of the
 * trunk the route picks (calls) and of the SMS deck (parts × price), refused with
 * COST_LIMIT_EXCEEDED before anything is dialled, on the simulator.
 */
describe('maxCost policy (e2e, simulator)', () => {
  const history = `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-maxcost-')), 'history.db')}`;
  let f: Fixture;
  let free: ApiClient;
  let qa: ApiClient;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-maxcost-decks-'));
    for (const [deck, rows] of Object.entries(DECKS)) {
      writeFileSync(join(dir, `${deck}.csv`), `${HEADER}\n${rows.join('\n')}\n`);
      const res = await runCli(['rates', 'import', '--trunk', deck, join(dir, `${deck}.csv`)], { PBXVERIFY_HISTORY: history });
      expect([res.code, res.stderr]).toEqual([0, '']);
    }
    f = await startFixture({
      env: { PBXVERIFY_HISTORY: history },
      config: {
        apiKeys: [
          { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, maxCost: 0.1 },
          { id: FREE.id, secret: FREE.secret },
          { id: QA_KEY.id, secret: QA_KEY.secret, allowedChannels: ['sms'], maxCost: 0.05 },
        ],
        trunks: [
          { name: 'carrier-a', callerIds: ['+442037691880'] },
          { name: 'carrier-b', rateDeck: 'premium', callerIds: ['+442037691881'] },
        ],
        routes: [
          { name: 'gb-mobile', match: { prefixes: ['+447'] }, trunks: ['carrier-b'], maxCost: 0.05 },
          { name: 'rest', trunks: ['carrier-a'] },
        ],
        history: { writerPollMs: 50 },
      },
    });
    free = f.api.withAuth(f.engine.auth(FREE.id, FREE.secret));
    qa = f.api.withAuth(f.engine.auth(QA_KEY.id, QA_KEY.secret));
  }, 60_000);
  afterAll(async () => f?.stop());

  const dialled = async (to: string): Promise<unknown[]> => (await f.api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;

  it('lets a call under the key limit through and prices it from the trunk deck', async () => {
    const res = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'call' });
    expect(res.status).toBe(201);
    const done = await f.waitFor(res.body.id, (v) => v.attempts[0]?.status === 'completed', 'the call to end');
    expect(done.attempts[0]).toMatchObject({ trunk: 'carrier-a', outcome: 'answered' });
  });

  it('refuses a destination dearer than the key limit before dialling', async () => {
    const to = '+442079460123';
    const res = await f.api.post('/v1/verifications', { to, channel: 'call' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { channel: 'call', limit: 'key', reason: 'too-expensive' } } } });
    expect(await dialled(to)).toEqual([]);
    // the same destination for a key without maxCost, on a route without one: dialled
    const ok = await free.post('/v1/verifications', { to, channel: 'call' });
    expect(ok.status).toBe(201);
  });

  it('refuses a destination dearer than the route limit, whatever the key', async () => {
    const to = '+447911123457';
    const res = await free.post('/v1/verifications', { to, channel: 'call' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { limit: 'route', reason: 'too-expensive' } } } });
    expect(await dialled(to)).toEqual([]);
  });

  it('refuses a destination no rate prices when a limit applies (unknown cost)', async () => {
    const res = await f.api.post('/v1/verifications', { to: '+33142685300', channel: 'call' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { reason: 'no-rate' } } } });
  });

  it('prices an SMS as parts × the deck price per part', async () => {
    const cheap = await qa.post('/v1/verifications', { to: '+12025550101', channel: 'sms' });
    expect(cheap.status).toBe(201);
    // the attempt's live cost reads the same deck (one source of SMS prices)
    const sent = await eventually(async () => {
      const v = (await qa.get(`/v1/verifications/${cheap.body.id}`)).body;
      return v.attempts[0]?.sms ? v : undefined;
    }, 'the SMS');
    expect(sent.attempts[0].sms).toMatchObject({ gateway: 'pbx', parts: 1, cost: 0.0075 });
    const dear = await qa.post('/v1/verifications', { to: '+447911123456', channel: 'sms' });
    expect(dear).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { channel: 'sms', limit: 'key' } } } });
  });

  it('refuses a negative maxCost in the configuration, with its path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pbxverify-maxcost-bad-')), 'bad.yaml');
    writeFileSync(file, `apiKeys:\n  - id: x\n    secret: x-secret-0123456789abcdef\n    maxCost: -1\n`);
    const res = await runCli(['config', 'check'], { PBXVERIFY_CONFIG: file });
    expect(res.code).not.toBe(0);
    expect(res.stderr + res.stdout).toContain('apiKeys.0.maxCost');
  });
});
