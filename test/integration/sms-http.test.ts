import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import pino from 'pino';
import { createHmac } from 'node:crypto';
import { eventually } from '../support/api-client';
import { smsCapability, type SmsCapability } from '../../src/app/sms';
import { systemClock } from '../../src/lib/clock';
import { HttpSmsGateway } from '../../src/sms/http/http-gateway';
import type { Base } from '../../src/app/base';
import { configSchema } from '../../src/config/schema';
import { CostModel, parseRateDeck } from '../../src/history/cost';
import { Metrics } from '../../src/metrics/metrics';
import type { Pbx } from '../../src/pbx/port';
import { freePort } from '../support/kannel';

/**
 * The generic HTTP gateway against a provider stand-in on loopback (an external service, so a
 * fake is the only option): request templating and escaping, the response id path, receipts
 * posted back with a token URL or an HMAC signature, failover when the provider is down.
 */
interface Sent {
  provider: string;
  body: Record<string, string>;
}

const HMAC_SECRET = 'provider-signing-secret';

describe('generic HTTP SMS gateway', () => {
  const sent: Sent[] = [];
  let provider: FastifyInstance;
  let providerPort = 0;
  let engine: FastifyInstance;
  let enginePort = 0;
  let sms: SmsCapability;
  let metrics: Metrics;
  let nextId = 1000;
  let down = false;
  let dlrStatus = 'DELIVRD';
  const signed = new Map<string, string>();

  beforeAll(async () => {
    provider = Fastify();
    await provider.register(formbody);
    provider.post('/:name/send', async (request, reply) => {
      const name = (request.params as { name: string }).name;
      if (down && name === 'json') return reply.code(503).send({ error: 'down' });
      const body = request.body as Record<string, string>;
      sent.push({ provider: name, body });
      const id = `m-${nextId++}`;
      // deliver the receipt shortly, as providers do
      setTimeout(() => {
        if (name === 'json' || name === 'backup') {
          void fetch(body.callback as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msg: { id }, state: dlrStatus, error: 'absent_subscriber' }) });
        } else {
          const raw = JSON.stringify({ msg: { id }, state: dlrStatus });
          signed.set(id, raw);
          void fetch(`http://127.0.0.1:${enginePort}/v1/sms/dlr/signed`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', HMAC_SECRET).update(raw).digest('hex') },
            body: raw,
          });
        }
      }, 20);
      return { messages: [{ id }] };
    });
    providerPort = await freePort();
    await provider.listen({ port: providerPort, host: '127.0.0.1' });
    enginePort = await freePort();
    const gateway = (name: string, bodyFormat: 'json' | 'form', body: string, dlr: Record<string, unknown> = {}) => ({
      name,
      kind: 'http',
      rateDeck: 'http-deck',
      retryDownMs: 200,
      request: { url: `http://127.0.0.1:${providerPort}/${name}/send`, bodyFormat, body, headers: { authorization: 'Bearer provider-key' } },
      responseIdPath: 'messages.0.id',
      dlr: { idPath: 'msg.id', statusPath: 'state', reasonPath: 'error', statusMap: { DELIVRD: 'delivered', UNDELIV: 'failed', ACK: 'accepted' }, ...dlr },
    });
    const config = configSchema.parse({
      sms: { gateways: ['json', 'backup'], publicUrl: `http://127.0.0.1:${enginePort}`, receiptTimeoutSeconds: 5 },
      smsGateways: [
        gateway('json', 'json', '{"to":"{to}","from":"{from}","text":"{text}","callback":"{dlr_url}"}'),
        gateway('backup', 'json', '{"to":"{to}","text":"{text}","callback":"{dlr_url}"}'),
        gateway('signed', 'form', 'to={to}&text={text}', { hmacHeader: 'X-Signature', hmacSecret: HMAC_SECRET }),
      ],
    });
    metrics = new Metrics({ pbxReady: () => 1, runningAttempts: () => 0, pendingWebhooks: async () => 0 });
    // SMS prices come from the gateways' rate deck (the one source of SMS prices)
    const decks = new CostModel(parseRateDeck('http-deck', 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from\n44,0,60/60,0,0.0100,EUR,\n'));
    const smsPrice = (deck: string, to: string) => decks.rateFor(deck, to, Date.now())?.smsPriceMicros;
    sms = smsCapability({ config, logger: pino({ level: 'silent' }), clock: systemClock } as unknown as Base, { pbx: {} as Pbx, metrics, smsPrice });
    engine = Fastify();
    for (const plugin of sms.routes ?? []) await engine.register(async (scope) => plugin(scope));
    await engine.listen({ port: enginePort, host: '127.0.0.1' });
    await sms.start();
  });

  afterAll(async () => {
    await sms.stop();
    await engine.close();
    await provider.close();
  });

  const send = (template: string, to = '+447700900001') =>
    sms.sender.send({ to, from: 'Acme', template, code: '482913', brand: 'Acme', tag: 't' }, { signal: new AbortController().signal });

  it('fills the JSON body template with escaped fields, reads the id, and a token receipt delivers it', async () => {
    sent.length = 0;
    const outcome = await send('{code} is your "Acme" code\n\\ {brand} & co');
    expect(outcome).toMatchObject({ status: 'delivered', gateway: 'json', cost: 0.01 });
    expect(sent[0]?.body).toMatchObject({ to: '+447700900001', from: 'Acme', text: '482913 is your "Acme" code\n\\ Acme & co' });
    expect(sent[0]?.body.callback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/sms\/dlr\/json\/[A-Za-z0-9_-]{22}$/);
  });

  it('maps a failure status with its reason, and a forged token changes nothing', async () => {
    dlrStatus = 'UNDELIV';
    expect(await send('{code}')).toMatchObject({ status: 'failed', reason: 'absent_subscriber', advance: true });
    dlrStatus = 'DELIVRD';
    const forged = await engine.inject({ method: 'POST', url: '/v1/sms/dlr/json/forged-token-forged-token', payload: { msg: { id: 'm-1000' }, state: 'DELIVRD' } });
    expect(forged.statusCode).toBe(200);
    // looked up again a few times (its submit may not be recorded yet), then counted
    await eventually(async () => ((await metrics.registry.getSingleMetricAsString('pbxverify_sms_receipts_ignored_total')).includes('gateway="json",why="unknown message"} 1') ? true : undefined), 'the forged receipt counted');
  });

  it('fails over to the next gateway when the provider answers 503', async () => {
    down = true;
    sent.length = 0;
    const outcome = await send('{code}');
    down = false;
    expect(outcome).toMatchObject({ status: 'delivered', gateway: 'backup' });
    expect(sent.map((s) => s.provider)).toEqual(['backup']);
    // skipped while it counts as down, tried again after retryDownMs
    expect(await send('{code}')).toMatchObject({ gateway: 'backup' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await send('{code}')).toMatchObject({ status: 'delivered', gateway: 'json' });
  });
});

describe('generic HTTP SMS gateway with signed receipts', () => {
  it('accepts a receipt with a valid HMAC and ignores one with a bad signature', async () => {
    const gateway = new HttpSmsGateway(
      {
        name: 'signed',
        request: { method: 'POST', url: 'http://127.0.0.1:9/none', headers: {}, bodyFormat: 'form', body: 'text={text}' },
        responseIdPath: 'id',
        timeoutMs: 1000,
        dlr: { idPath: 'msg.id', statusPath: 'state', statusMap: { DELIVRD: 'delivered' }, hmacHeader: 'X-Signature', hmacSecret: HMAC_SECRET },
        publicUrl: 'http://127.0.0.1:1',
        tokenTtlMs: 60_000,
      },
      pino({ level: 'silent' }),
    );
    // an id the gateway sent: remember it through its private path
    (gateway as unknown as { remember(token: string, id: string): void }).remember('tok', 'm-1');
    const raw = JSON.stringify({ msg: { id: 'm-1' }, state: 'DELIVRD' });
    const sig = createHmac('sha256', HMAC_SECRET).update(raw).digest('hex');
    const cb = (signature: string) => ({ token: undefined, query: {}, body: JSON.parse(raw) as unknown, rawBody: raw, headers: { 'x-signature': signature } });
    expect(gateway.acceptCallback(cb('00'.repeat(32)))).toEqual({ forged: 'bad signature' });
    expect(gateway.acceptCallback(cb(sig))).toEqual({ gateway: 'signed', id: 'm-1', status: 'delivered' });
    // signed but not (or no longer) this engine's: the dispatcher applies it only if the store's index knows the id
    expect(gateway.acceptCallback(cb(sig))).toEqual({ gateway: 'signed', id: 'm-1', status: 'delivered', unverified: { token: undefined } });
    await gateway.stop();
  });
});
