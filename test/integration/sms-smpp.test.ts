import pino from 'pino';
import { SmsDispatcher, type DispatchGateway } from '../../src/sms/dispatcher';
import type { SmsOutcome, SmsSendRequest } from '../../src/sms/port';
import { SmppGateway, type SmppGatewaySettings } from '../../src/sms/smpp/smpp-gateway';
import { TestSmsc } from '../support/test-smsc';

const logger = pino({ level: process.env.SMS_TEST_LOG ?? 'silent' });
const counters = { sent: jest.fn(), failover: jest.fn(), unmatchedReceipt: jest.fn() };

function settings(port: number, over: Partial<SmppGatewaySettings> = {}): SmppGatewaySettings {
  return {
    name: 'smsc',
    host: '127.0.0.1',
    port,
    systemId: 'pbxverify',
    password: 'secret',
    systemType: '',
    bindMode: 'transceiver',
    binds: 1,
    window: 10,
    maxPerSecond: 0,
    enquireLinkMs: 30_000,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    responseTimeoutMs: 5_000,
    throttleDelayMs: 30,
    concat: 'udh8',
    ids: { submit: 'hex', receipt: 'hex' },
    ...over,
  };
}

const live: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of live.splice(0).reverse()) await thing.stop();
});

async function smsc(): Promise<TestSmsc> {
  const server = new TestSmsc();
  await server.start();
  live.push(server);
  return server;
}

async function dispatcher(gateways: SmppGateway[], receiptTimeoutMs = 2_000): Promise<SmsDispatcher> {
  const entries: DispatchGateway[] = gateways.map((gateway) => ({ gateway, concat: 'udh8', pricePerPart: () => 0.05 }));
  const d = new SmsDispatcher({ gateways: entries, maxParts: 5, receiptTimeoutMs, submitTimeoutMs: 3_000, logger, counters });
  await d.start();
  live.push(d);
  for (const g of gateways) await until(() => g.health().ready || g.name.startsWith('down'));
  return d;
}

async function until(test: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const request = (over: Partial<SmsSendRequest> = {}): SmsSendRequest => ({
  to: '+447700900001',
  from: 'Acme',
  template: '{code} is your {brand} code',
  code: '482913',
  brand: 'Acme',
  tag: 't-1',
  ...over,
});

const send = (d: SmsDispatcher, over: Partial<SmsSendRequest> = {}): Promise<SmsOutcome> => d.send(request(over), { signal: new AbortController().signal });

describe('SMPP gateway against the scripted test SMSC', () => {
  it('binds as transceiver, submits GSM 7-bit with source TON/NPI 5/0, and a DELIVRD receipt makes it delivered', async () => {
    const server = await smsc();
    const gateway = new SmppGateway(settings(server.port), logger);
    const d = await dispatcher([gateway]);
    const submitted = jest.fn();
    const outcome = await d.send(request(), { signal: new AbortController().signal, onSubmitted: submitted });
    expect(outcome).toMatchObject({ status: 'delivered', gateway: 'smsc', parts: 1, encoding: 'gsm7', cost: 0.05 });
    expect(submitted).toHaveBeenCalledWith(expect.objectContaining({ status: 'submitted', parts: 1 }));
    expect(server.accepted).toEqual([
      expect.objectContaining({ destination: '447700900001', source: 'Acme', sourceTon: 5, sourceNpi: 0, dataCoding: 0, esmClass: 0, text: '482913 is your Acme code' }),
    ]);
  });

  it('sets TON/NPI 1/1 for an international sender and 3/0 for a short code', async () => {
    const server = await smsc();
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)]);
    await send(d, { from: '+447700900999' });
    await send(d, { from: '12345' });
    expect(server.accepted.map((a) => [a.source, a.sourceTon, a.sourceNpi])).toEqual([
      ['447700900999', 1, 1],
      ['12345', 3, 0],
    ]);
  });

  it('sends a long Cyrillic text as UCS-2 parts with an 8-bit UDH, the code whole in one part', async () => {
    const server = await smsc();
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)]);
    const template = 'Ж'.repeat(62) + ' {code} — ваш код для входа в приложение';
    const outcome = await send(d, { template });
    expect(outcome).toMatchObject({ status: 'delivered', parts: 2, encoding: 'ucs2', cost: 0.1 });
    expect(server.accepted.map((a) => a.dataCoding)).toEqual([8, 8]);
    expect(server.accepted.map((a) => a.esmClass & 0x40)).toEqual([0x40, 0x40]);
    expect(server.accepted.map((a) => [...(a.udh[0] ?? [])].slice(0, 2).concat([...(a.udh[0] ?? [])].slice(3)))).toEqual([
      [0x00, 0x03, 2, 1],
      [0x00, 0x03, 2, 2],
    ]);
    expect(server.accepted.map((a) => a.text).join('')).toBe(template.replace('{code}', '482913'));
    expect(server.accepted.filter((a) => a.text.includes('482913'))).toHaveLength(1);
  });

  it('sends extension characters as GSM 7-bit that the smpp package decodes back', async () => {
    const server = await smsc();
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)]);
    await send(d, { template: '{code} costs 5€ [x] {y} ~|^\\' });
    expect(server.accepted[0]).toMatchObject({ dataCoding: 0, text: '482913 costs 5€ [x] {y} ~|^\\' });
  });

  it('sends a long text in message_payload when the gateway says so', async () => {
    const server = await smsc();
    const d = await dispatcher([new SmppGateway(settings(server.port, { concat: 'payload' }), logger)]);
    const template = '{code} ' + 'x'.repeat(200);
    expect(await send(d, { template })).toMatchObject({ status: 'delivered', parts: 2 });
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]).toMatchObject({ payload: true, text: template.replace('{code}', '482913') });
  });

  it.each([
    ['hex in submit_sm_resp, decimal in the receipt text', { submitIds: 'hex', receiptIds: 'decimal', receiptTlv: false }, { submit: 'hex', receipt: 'decimal' }],
    ['decimal in both, with the receipted_message_id TLV', { submitIds: 'decimal', receiptIds: 'decimal', receiptTlv: true }, { submit: 'decimal', receipt: 'decimal' }],
    ['hex in both', { submitIds: 'hex', receiptIds: 'hex', receiptTlv: false }, { submit: 'hex', receipt: 'hex' }],
  ] as const)('correlates receipts with ids %s', async (_name, script, ids) => {
    const server = await smsc();
    Object.assign(server.script, script);
    const d = await dispatcher([new SmppGateway(settings(server.port, { ids }), logger)]);
    expect(await send(d)).toMatchObject({ status: 'delivered' });
  });

  it('does not correlate when the id formats are configured wrong (the receipt times out as unknown)', async () => {
    const server = await smsc();
    Object.assign(server.script, { submitIds: 'hex', receiptIds: 'decimal' });
    const d = await dispatcher([new SmppGateway(settings(server.port, { ids: { submit: 'string', receipt: 'string' } }), logger)], 300);
    expect(await send(d)).toMatchObject({ status: 'unknown' });
  });

  it('slows down and retries on ESME_RTHROTTLED and ESME_RMSGQFUL, then delivers once', async () => {
    const server = await smsc();
    server.script.refuseNext = { count: 2, status: 0x58 };
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)]);
    expect(await send(d)).toMatchObject({ status: 'delivered' });
    server.script.refuseNext = { count: 1, status: 0x14 };
    expect(await send(d, { to: '+447700900002' })).toMatchObject({ status: 'delivered' });
    expect(server.submits).toBe(5);
    expect(server.accepted).toHaveLength(2);
  });

  it.each([
    ['ESME_RINVDSTADR', 0x0b, 'invalid-destination'],
    ['ESME_RINVSRCADR', 0x0a, 'invalid-source'],
  ])('fails at once with a stable reason on the permanent error %s, without failover', async (_name, status, reason) => {
    const first = await smsc();
    const second = await smsc();
    first.script.rejectDestinations.set('447700900001', status);
    const d = await dispatcher([new SmppGateway(settings(first.port), logger), new SmppGateway(settings(second.port, { name: 'second' }), logger)]);
    expect(await send(d)).toMatchObject({ status: 'failed', reason, advance: true });
    expect(second.submits).toBe(0);
  });

  it.each([
    ['UNDELIV', 'undeliverable'],
    ['EXPIRED', 'expired'],
    ['REJECTD', 'rejected'],
  ])('a %s receipt fails the message (%s) and asks the workflow to move on', async (stat, reason) => {
    const server = await smsc();
    server.script.defaultStat = stat;
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)]);
    expect(await send(d)).toMatchObject({ status: 'failed', reason, advance: true, parts: 1 });
  });

  it('waits for a late receipt, and reports unknown when none comes in time', async () => {
    const server = await smsc();
    server.script.receiptDelayMs = 150;
    const d = await dispatcher([new SmppGateway(settings(server.port), logger)], 1_000);
    expect(await send(d)).toMatchObject({ status: 'delivered' });
    server.script.defaultStat = 'none';
    expect(await send(d, { to: '+447700900002' })).toMatchObject({ status: 'unknown', advance: false });
  });

  it('loses nothing and sends nothing twice when the SMSC drops the connection in the middle of a window', async () => {
    const server = await smsc();
    server.script.dropAfter = 4;
    server.script.responseDelayMs = 5;
    const d = await dispatcher([new SmppGateway(settings(server.port, { window: 10 }), logger)]);
    const numbers = Array.from({ length: 30 }, (_, i) => `+4477009${String(i).padStart(5, '0')}`);
    const outcomes = await Promise.all(numbers.map((to) => send(d, { to })));
    expect(outcomes.map((o) => o.status)).toEqual(numbers.map(() => 'delivered'));
    const destinations = server.accepted.map((a) => a.destination).sort();
    expect(destinations).toEqual(numbers.map((n) => n.slice(1)).sort());
    expect(server.binds).toBeGreaterThanOrEqual(2);
  });

  it('binds transmitter plus receiver, several per gateway, and sends enquire_link', async () => {
    const server = await smsc();
    const gateway = new SmppGateway(settings(server.port, { bindMode: 'tx-rx', binds: 2, enquireLinkMs: 50 }), logger);
    const d = await dispatcher([gateway]);
    await until(() => server.binds === 4 && server.enquireLinks >= 2);
    expect(await send(d)).toMatchObject({ status: 'delivered' });
  });

  it('reconnects after the SMSC dropped every session', async () => {
    const server = await smsc();
    const gateway = new SmppGateway(settings(server.port), logger);
    const d = await dispatcher([gateway]);
    server.dropAll();
    expect(await send(d)).toMatchObject({ status: 'delivered' });
    expect(server.binds).toBe(2);
  });

  it('fails over to the next gateway when the first refuses the bind, and to nothing when all are down', async () => {
    const refusing = await smsc();
    refusing.script.refuseBind = true;
    const good = await smsc();
    const down = new SmppGateway(settings(refusing.port, { name: 'down-1' }), logger);
    const d = await dispatcher([down, new SmppGateway(settings(good.port, { name: 'good' }), logger)]);
    expect(await send(d)).toMatchObject({ status: 'delivered', gateway: 'good' });
    expect(down.health()).toMatchObject({ ready: false, detail: expect.stringContaining('bind refused') as string });
    expect(counters.failover).toHaveBeenCalledWith('down-1', 'unavailable');
  });

  it('reports the last gateway unavailable within the submit deadline (never a silent loss)', async () => {
    const refusing = await smsc();
    refusing.script.refuseBind = true;
    const d = await dispatcher([new SmppGateway(settings(refusing.port, { name: 'down-only' }), logger)]);
    const d2 = new SmsDispatcher({ gateways: [], maxParts: 5, receiptTimeoutMs: 100, submitTimeoutMs: 100, logger, counters });
    expect(await send(d2)).toMatchObject({ status: 'failed', reason: 'no-gateway' });
    const outcome = await d.send(request(), { signal: AbortSignal.timeout(10_000) });
    expect(outcome).toMatchObject({ status: 'failed', reason: 'unavailable', advance: true });
  });
});
