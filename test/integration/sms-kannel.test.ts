import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { smsCapability, type SmsCapability } from '../../src/app/sms';
import { systemClock } from '../../src/lib/clock';
import { eventually } from '../support/api-client';
import type { Base } from '../../src/app/base';
import { configSchema } from '../../src/config/schema';
import { CostModel, parseRateDeck } from '../../src/history/cost';
import { Metrics } from '../../src/metrics/metrics';
import type { Pbx } from '../../src/pbx/port';
import { TestKannel, freePort } from '../support/kannel';

/**
 * The Kannel gateway against a real Kannel (bearerbox + smsbox from Debian) with fakesmsc as the
 * SMSC: the message arrives at fakesmsc and Kannel's delivery report comes back to the engine's
 * DLR route, through the sms capability's own wiring.
 */
describe('Kannel gateway with real bearerbox, smsbox and fakesmsc', () => {
  const kannel = new TestKannel();
  let app: FastifyInstance;
  let sms: SmsCapability;
  let metrics: Metrics;

  beforeAll(async () => {
    await kannel.start();
    const port = await freePort();
    const config = configSchema.parse({
      sms: { gateway: 'kannel', publicUrl: `http://127.0.0.1:${port}`, receiptTimeoutSeconds: 10 },
      smsGateways: [{ name: 'kannel', kind: 'kannel', url: kannel.sendsmsUrl, username: kannel.username, password: kannel.password, rateDeck: 'kannel-deck' }],
    });
    metrics = new Metrics({ pbxReady: () => 1, runningAttempts: () => 0, pendingWebhooks: async () => 0 });
    const base = { config, logger: pino({ level: 'silent' }), clock: systemClock } as unknown as Base;
    // SMS prices come from the gateway's rate deck (the one source of SMS prices)
    const decks = new CostModel(parseRateDeck('kannel-deck', 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from\n44,0,60/60,0,0.0200,EUR,\n'));
    sms = smsCapability(base, { pbx: {} as Pbx, metrics, smsPrice: (deck, to) => decks.rateFor(deck, to, Date.now())?.smsPriceMicros });
    app = Fastify();
    for (const plugin of sms.routes ?? []) await app.register(async (scope) => plugin(scope));
    await app.listen({ port, host: '127.0.0.1' });
    await sms.start();
  }, 30_000);

  afterAll(async () => {
    await sms?.stop();
    await app?.close();
    await kannel.stop();
  });

  it('delivers through sendsms to fakesmsc, and Kannel\'s DLR makes the message delivered', async () => {
    const outcome = await sms.sender.send(
      { to: '+447700900001', from: 'Acme', template: '{code} is your {brand} code', code: '482913', brand: 'Acme', tag: 't' },
      { signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ status: 'delivered', gateway: 'kannel', parts: 1, encoding: 'gsm7', cost: 0.02 });
    expect(kannel.received).toContainEqual('Acme 00447700900001 text 482913 is your Acme code');
  });

  it('sends a Unicode text as UCS-2 that fakesmsc receives intact', async () => {
    const outcome = await sms.sender.send(
      { to: '+447700900002', from: 'Acme', template: '{code} — ваш код', code: '123456', brand: 'Acme', tag: 't' },
      { signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ status: 'delivered', encoding: 'ucs2' });
    const line = kannel.received.find((l) => l.startsWith('Acme 00447700900002 ucs-2 ')) ?? '';
    // fakesmsc prints UCS-2 URL-encoded: %XX octets, `+` for 0x20
    const octets = Buffer.from(line.split(' ')[3]?.replace(/\+/g, '%20').replace(/%([0-9A-F]{2})|(.)/gi, (_m, hex: string | undefined, ch: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : (ch ?? ''))) ?? '', 'latin1');
    expect(octets.swap16().toString('utf16le')).toBe('123456 — ваш код');
  });

  it('sends a long text as the planned parts with their UDH, the code whole in one part, each part with its receipt', async () => {
    // 150 letters then the code: Kannel's own split (153 septets) would cut the code in two
    const template = `${'x'.repeat(150)} {code} is your {brand} code`;
    const outcome = await sms.sender.send(
      { to: '+447700900003', from: 'Acme', template, code: '482913', brand: 'Acme', tag: 't' },
      { signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ status: 'delivered', parts: 2, encoding: 'gsm7' });
    if (!('ids' in outcome)) throw new Error('no ids');
    expect(outcome.ids).toHaveLength(2);
    const lines = kannel.received.filter((l) => l.startsWith('Acme 00447700900003 '));
    expect(lines).toHaveLength(2);
    // fakesmsc: `<from> <to> udh <udh> data <text>`, both URL-encoded (`+` for a space)
    const decode = (s: string | undefined) => Buffer.from((s ?? '').replace(/\+/g, '%20').replace(/%([0-9A-F]{2})|(.)/gi, (_m, hex: string | undefined, ch: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : (ch ?? ''))), 'latin1');
    const parts = lines.map((l) => l.split(' ')).map((f) => ({ type: f[2], udh: decode(f[3]), text: decode(f[5]).toString('latin1') }));
    expect(parts.map((p) => p.type)).toEqual(['udh', 'udh']);
    expect(parts.map((p) => p.udh.subarray(0, 3).toString('hex'))).toEqual(['050003', '050003']);
    expect(parts.map((p) => [p.udh[4], p.udh[5]])).toEqual([
      [2, 1],
      [2, 2],
    ]);
    expect(parts[0]?.text).toBe('x'.repeat(150) + ' ');
    expect(parts[1]?.text).toBe('482913 is your Acme code');
  });

  it('answers a forged or unknown DLR with 200, counts it and changes nothing', async () => {
    const before = await metrics.registry.getSingleMetricAsString('pbxverify_sms_receipts_ignored_total');
    const forged = await app.inject({ method: 'GET', url: '/v1/sms/dlr/kannel/AAAAAAAAAAAAAAAAAAAAAA?type=1' });
    const noGateway = await app.inject({ method: 'POST', url: '/v1/sms/dlr/nosuch/x', payload: { status: 'delivered' } });
    expect([forged.statusCode, noGateway.statusCode]).toEqual([200, 200]);
    expect(before).not.toContain('why="unknown message"');
    // a well-formed token nobody sent: looked up in the message index a few times, then counted
    const after = await eventually(async () => {
      const text = await metrics.registry.getSingleMetricAsString('pbxverify_sms_receipts_ignored_total');
      return text.includes('gateway="kannel",why="unknown message"} 1') ? text : undefined;
    }, 'the forged receipt counted');
    const malformed = await app.inject({ method: 'GET', url: '/v1/sms/dlr/kannel/not-a-token?type=1' });
    expect(malformed.statusCode).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString('pbxverify_sms_receipts_ignored_total')).toContain('gateway="kannel",why="unknown token"} 1');
    expect(after).toContain('why="no such gateway"} 1');
  });
});
