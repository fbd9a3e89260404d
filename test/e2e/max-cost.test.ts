import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  // the PBX's SIP MESSAGE (sms.gateway, the first SMS gateway): GB dear, FR cheap
  sms: ['1,0,60/60,0,0.0075,USD,', '44,0,60/60,0,0.0600,USD,', '33,0,60/60,0,0.0100,USD,'],
  // the `bulk` gateway the SMS routes pick for GB and FR: GB cheap, FR dear
  'bulk-sms': ['44,0,60/60,0,0.0200,USD,', '33,0,60/60,0,0.0900,USD,'],
};

/** An HTTP SMS provider on loopback: accepts every message (GET ?to=…) with a JSON id. */
class SmsProvider {
  readonly submitted: string[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.submitted.push(new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `m${this.submitted.length}` }));
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * maxCost (docs/history.md): per key and per route, judged at start from the rate decks of the
 * trunk the route picks (calls) and of the SMS deck (parts × price), refused with
 * COST_LIMIT_EXCEEDED before anything is dialled, on the simulator.
 */
describe('maxCost policy (e2e, simulator)', () => {
  const provider = new SmsProvider();
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
        // a second SMS gateway (an HTTP provider on loopback) that the SMS routes choose for +44 and +33
        smsGateways: [{ name: 'bulk', kind: 'http', rateDeck: 'bulk-sms', request: { url: `${await provider.start()}?to={to}`, method: 'GET' }, responseIdPath: 'id' }],
        sms: { publicUrl: 'http://127.0.0.1:9/' },
        routes: [
          { name: 'gb-mobile', match: { prefixes: ['+447'] }, trunks: ['carrier-b'], maxCost: 0.05 },
          { name: 'sms-gb', match: { prefixes: ['+44'], channels: ['sms'] }, gateways: ['bulk'] },
          { name: 'sms-fr', match: { prefixes: ['+33'], channels: ['sms'] }, gateways: ['bulk'], maxCost: 0.05 },
          { name: 'sms-rest', match: { channels: ['sms'] }, gateways: ['pbx'] },
          { name: 'rest', trunks: ['carrier-a'] },
        ],
        history: { writerPollMs: 50 },
      },
    });
    free = f.api.withAuth(f.engine.auth(FREE.id, FREE.secret));
    qa = f.api.withAuth(f.engine.auth(QA_KEY.id, QA_KEY.secret));
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
    await provider.stop();
  });

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
  });

  it("prices an SMS with the deck of the gateway its route picks, not the first SMS gateway's", async () => {
    // GB: the first gateway's deck (pbx, `sms`) says 0.06 > the key's 0.05; the route's gateway (bulk) 0.02
    const gb = await qa.post('/v1/verifications', { to: '+447911123456', channel: 'sms' });
    expect(gb.status).toBe(201);
    const tried = await eventually(async () => {
      const v = (await qa.get(`/v1/verifications/${gb.body.id}`)).body;
      return v.attempts[0]?.sms ? v : undefined;
    }, 'the SMS submitted');
    // sent through the route's gateway, and its live cost read from that gateway's deck
    expect(tried.attempts[0].sms).toMatchObject({ gateway: 'bulk', parts: 1, cost: 0.02 });
    expect(provider.submitted).toEqual(['+447911123456']);
    // FR: the first gateway's deck says 0.01; the route's gateway 0.09 > the key's 0.05
    const fr = await qa.post('/v1/verifications', { to: '+33612345678', channel: 'sms' });
    expect(fr).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { channel: 'sms', limit: 'key', reason: 'too-expensive' } } } });
    expect(await f.lastSms('+33612345678')).toBeUndefined();
  });

  it("applies an SMS route's own maxCost to the gateway it picks, whatever the key", async () => {
    const res = await free.post('/v1/verifications', { to: '+33612345679', channel: 'sms' });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'COST_LIMIT_EXCEEDED', details: { channel: 'sms', limit: 'route', reason: 'too-expensive' } } } });
    // the same key to a destination of an SMS route without a limit: served
    expect((await free.post('/v1/verifications', { to: '+12025550102', channel: 'sms' })).status).toBe(201);
  });

  it('refuses a negative maxCost in the configuration, with its path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pbxverify-maxcost-bad-')), 'bad.yaml');
    writeFileSync(file, `apiKeys:\n  - id: x\n    secret: x-secret-0123456789abcdef\n    maxCost: -1\n`);
    const res = await runCli(['config', 'check'], { PBXVERIFY_CONFIG: file });
    expect(res.code).not.toBe(0);
    expect(res.stderr + res.stdout).toContain('apiKeys.0.maxCost');
  });
});
