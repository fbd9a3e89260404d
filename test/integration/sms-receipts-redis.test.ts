import type { Redis } from 'ioredis';
import pino from 'pino';
import { SmsDispatcher } from '../../src/sms/dispatcher';
import { SmppGateway } from '../../src/sms/smpp/smpp-gateway';
import { closeRedisClient, createRedisClient } from '../../src/store/redis/connection';
import { RedisPeers } from '../../src/store/redis/redis-peers';
import { RedisStore } from '../../src/store/redis/redis-store';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { TestSmsc } from '../support/test-smsc';

const logger = pino({ level: 'silent' });

/**
 * Two engines' SMS dispatchers on one real redis-server, both bound to one SMSC that writes each
 * delivery receipt (deliver_sm) on the *other* engine's bind: the receipt is looked up in the
 * store's message index there and forwarded to the sending engine, which applies it.
 */
describe('SMPP receipts on another engine\'s bind (Redis)', () => {
  let redis: RedisServer;
  const smsc = new TestSmsc();
  const clients: Redis[] = [];
  const engines: Array<{ dispatcher: SmsDispatcher; peers: RedisPeers }> = [];
  const ignored: string[] = [];

  async function engine(instanceId: string): Promise<SmsDispatcher> {
    const client = createRedisClient(redis.url, instanceId, logger);
    const subscriber = createRedisClient(redis.url, `${instanceId}:sub`, logger);
    await client.connect();
    await subscriber.connect();
    clients.push(client);
    const peers = new RedisPeers({ client, subscriber, instanceId, logger, heartbeatMs: 1_000, instanceTtlMs: 5_000 });
    const gateway = new SmppGateway(
      { name: 'smsc', host: '127.0.0.1', port: smsc.port, systemId: instanceId, password: 'pw', systemType: '', bindMode: 'transceiver', binds: 1, window: 10, maxPerSecond: 0, enquireLinkMs: 30_000, reconnectMinMs: 20, reconnectMaxMs: 200, responseTimeoutMs: 5_000, throttleDelayMs: 30, concat: 'udh8', ids: { submit: 'hex', receipt: 'hex' } },
      logger,
    );
    const dispatcher = new SmsDispatcher({
      gateways: [{ gateway, concat: 'udh8', pricePerPart: () => 0 }],
      maxParts: 3,
      receiptTimeoutMs: 10_000,
      submitTimeoutMs: 3_000,
      logger,
      counters: { sent: () => undefined, failover: () => undefined, unmatchedReceipt: (_g, why) => ignored.push(`${instanceId}: ${why}`) },
      index: new RedisStore(client),
      relay: peers,
    });
    await peers.start(() => undefined);
    await dispatcher.start();
    engines.push({ dispatcher, peers });
    for (let i = 0; i < 300 && !gateway.health().ready; i++) await new Promise((r) => setTimeout(r, 10));
    return dispatcher;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    await smsc.start();
    smsc.script.receiptsElsewhere = true;
  }, 30_000);

  afterAll(async () => {
    for (const { dispatcher, peers } of engines) {
      await dispatcher.stop();
      await peers.stop();
    }
    for (const client of clients) await closeRedisClient(client);
    await smsc.stop();
    await redis?.stop();
  });

  it('delivers through engine a while the SMSC writes the receipt on engine b', async () => {
    const a = await engine('engine-a');
    await engine('engine-b');
    const outcome = await a.send(
      { to: '+447700900123', from: 'Acme', template: '{code} is your {brand} code', code: '482913', brand: 'Acme', tag: 'v1-1' },
      { signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ status: 'delivered', gateway: 'smsc', parts: 1 });
    expect(smsc.receiptsTo).toEqual(['engine-b']);
    expect(ignored).toEqual([]);
  });
});
