import type { Redis } from 'ioredis';
import { configSchema, type ApiKeyConfig } from '../../src/config/schema';
import { createEngine, type Engine } from '../../src/main';
import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/**
 * Round trips to Redis per start (issue 18: "fewer Redis round trips per start"): a real engine
 * on a real redis-server; every command its connection sends is recorded (the client's own
 * sendCommand, called through). Counted: the commands that concern one verification (its id,
 * its number, its range or its key's counters), from the request to the end of its SMS step.
 * The scheduler's claim of due jobs serves a whole batch and is not counted per start.
 * Before issue 18's changes a start with its SMS step took 18; now 11.
 */
describe('Redis round trips of a start with its SMS step', () => {
  let redis: RedisServer;
  let engine: Engine;
  let key: ApiKeyConfig;
  const sent: string[][] = [];
  let quiet = false;

  beforeAll(async () => {
    redis = await startRedisServer();
    const config = configSchema.parse({
      port: 0,
      logLevel: 'silent',
      store: redis.url,
      secret: 'redis-round-trips-secret-0123456789abcdef',
      history: { url: 'off' },
      scheduler: { pollMs: 20 },
      apiKeys: [{ id: 'shop', secret: 'shop-secret-0123456789abcdef' }],
    });
    engine = await createEngine(config);
    // The store's connection (the peers share it): record each command, then send it as usual.
    const client = (engine.store as unknown as { client: Redis }).client;
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, stream) => {
      if (!quiet) sent.push([command.name, ...command.args.map((a) => String(a))]);
      return send(command, stream);
    };
    await engine.start();
    key = config.apiKeys[0] as ApiKeyConfig;
  }, 30_000);
  afterAll(async () => {
    await engine?.stop();
    await redis?.stop();
  });

  async function startAndFinish(to: string): Promise<string[][]> {
    const from = sent.length;
    const { record } = await engine.service.start(key, { to, channel: 'sms' });
    await eventually(async () => {
      quiet = true; // the test's own reads are not the engine's
      const now = await engine.store.get(record.id).finally(() => (quiet = false));
      return now?.attempts[0]?.status === 'completed' ? true : undefined;
    }, 'the SMS step to end');
    // the peers' release follows the end's write
    await eventually(async () => (sent.slice(from).some((c) => c[0] === 'srem') ? true : undefined), 'the attempt released');
    const mine = [record.id, to, to.slice(0, -4), ':shop:'];
    return sent.slice(from).filter((c) => mine.some((m) => c.some((arg) => arg.includes(m))));
  }

  it('takes at most 11 round trips: 2 for the abuse counters, 1 to create, 1 to schedule, 7 for the step', async () => {
    await startAndFinish('+4915112340000'); // loads the scripts (a first EVALSHA falls back to EVAL)
    const commands = await startAndFinish('+4915212345678');
    const names = commands.map((c) => (c[0] === 'evalsha' ? `script:${c[3]?.replace(/[^a-z:]+$/, '').split(':').slice(0, 3).join(':')}` : c[0]));
    expect(commands.filter((c) => c[0] === 'eval')).toEqual([]);
    // Counters: flood 1 min + 10 min + velocity (number, range) in one script; quota hour + day in another.
    const counterScripts = commands.filter((c) => c.slice(4).some((a) => a.startsWith('pv:c:')) || c.slice(3).some((a) => a.startsWith('pv:c:')));
    expect(counterScripts).toHaveLength(2);
    // The list (not just its length) shows in a failure: what each round trip is.
    expect(names.length <= 11 ? 'at most 11' : names).toBe('at most 11');
  });
});
