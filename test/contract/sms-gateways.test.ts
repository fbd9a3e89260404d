import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PbxMessageGateway } from '../../src/sms/pbx-message/pbx-message-gateway';
import { HttpSmsGateway } from '../../src/sms/http/http-gateway';
import { KannelGateway } from '../../src/sms/kannel/kannel-gateway';
import { SmppGateway } from '../../src/sms/smpp/smpp-gateway';
import { TestKannel } from '../support/kannel';
import { TestSmsc } from '../support/test-smsc';
import { smsGatewayContract } from './sms-gateway';

const logger = pino({ level: 'silent' });

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
}

smsGatewayContract('pbx-message (simulator)', async () => {
  const pbx = new SimulatorPbx({ clock: systemClock, logger, speed: 20, durationMs: () => 100 });
  await pbx.start();
  const gateway = new PbxMessageGateway(pbx);
  return { gateway, ready: async () => undefined, close: () => pbx.stop() };
});

smsGatewayContract('smpp (scripted test SMSC)', async () => {
  const smsc = new TestSmsc();
  const port = await smsc.start();
  const gateway = new SmppGateway(
    { name: 'smsc', host: '127.0.0.1', port, systemId: 'c', password: 'p', systemType: '', bindMode: 'transceiver', binds: 1, window: 10, maxPerSecond: 0, enquireLinkMs: 30_000, reconnectMinMs: 20, reconnectMaxMs: 200, responseTimeoutMs: 2_000, throttleDelayMs: 20, concat: 'udh8', ids: { submit: 'hex', receipt: 'hex' } },
    logger,
  );
  return { gateway, ready: () => until(() => gateway.health().ready), close: () => smsc.stop() };
});

// One real Kannel (bearerbox + smsbox + fakesmsc) for every test of its suite: starting it takes seconds.
let kannel: TestKannel | undefined;
afterAll(async () => {
  await kannel?.stop();
});

smsGatewayContract('kannel (real bearerbox, smsbox and fakesmsc)', async () => {
  if (!kannel) {
    kannel = new TestKannel();
    await kannel.start();
  }
  const gateway = new KannelGateway(
    { name: 'kannel', url: kannel.sendsmsUrl, username: kannel.username, password: kannel.password, dlrMask: 19, timeoutMs: 5_000, publicUrl: 'http://127.0.0.1:9', tokenTtlMs: 60_000 },
    logger,
  );
  return { gateway, ready: async () => undefined, close: async () => undefined };
});

/** An HTTP SMS provider: answers each message with a JSON id. */
async function provider(): Promise<{ url: string; close(): Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: { id: `p-${++n}` } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

smsGatewayContract('http (provider on loopback)', async () => {
  const p = await provider();
  const gateway = new HttpSmsGateway(
    {
      name: 'http',
      request: { method: 'POST', url: p.url, headers: {}, bodyFormat: 'json', body: '{"to":"{to}","text":"{text}","callback":"{dlr_url}"}' },
      responseIdPath: 'message.id',
      timeoutMs: 5_000,
      dlr: { idPath: 'id', statusPath: 'status', statusMap: { delivered: 'delivered' } },
      publicUrl: 'http://127.0.0.1:9',
      tokenTtlMs: 60_000,
    },
    logger,
  );
  return { gateway, ready: async () => undefined, close: () => p.close() };
});
