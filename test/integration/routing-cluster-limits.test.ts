import { Redis } from 'ioredis';
import pino from 'pino';
import { redisOptions } from '../../src/store/redis/connection';
import { RedisTrunkLimits } from '../../src/store/redis/trunk-limits';
import type { TrunkSlot } from '../../src/routing/shared-limits';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/**
 * Cluster-wide trunk caps on one real redis-server, shared by three engines' limiters (each with
 * its own connection, as three engine processes have): leased concurrency slots that expire when
 * an engine dies, and one token bucket for the call rate.
 */
const logger = pino({ level: 'silent' });
const LEASE_MS = 2_000;

describe('cluster-wide trunk limits on Redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let engines: RedisTrunkLimits[];

  beforeAll(async () => {
    server = await startRedisServer();
    for (let i = 0; i < 3; i++) {
      const client = new Redis(redisOptions(server.url, `limits-${i}`));
      await client.connect();
      clients.push(client);
    }
    engines = clients.map((client, i) => new RedisTrunkLimits(client, `engine-${i}`, LEASE_MS, logger));
  });
  afterAll(async () => {
    for (const e of engines) await e.stop();
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it('lets exactly maxConcurrent calls through across three engines, and frees a slot on release', async () => {
    const tries = await Promise.all(Array.from({ length: 15 }, (_, i) => engines[i % 3]!.tryAcquire('cap5', { maxConcurrent: 5 })));
    const slots = tries.filter((t): t is TrunkSlot => typeof t !== 'string');
    expect(slots).toHaveLength(5);
    expect(tries.filter((t) => t === 'full')).toHaveLength(10);
    expect(await engines[2]!.inFlight('cap5')).toBe(5);
    await slots[0]!.release();
    expect(typeof (await engines[1]!.tryAcquire('cap5', { maxConcurrent: 5 }))).toBe('object');
    expect(await engines[1]!.tryAcquire('cap5', { maxConcurrent: 5 })).toBe('full');
  });

  it('keeps a live engine\'s slots past the lease (renewed), and frees a dead engine\'s slots once its lease ends', async () => {
    const dying = new RedisTrunkLimits(clients[0]!, 'engine-dying', LEASE_MS, logger);
    const held = await Promise.all([1, 2].map(() => dying.tryAcquire('crash', { maxConcurrent: 3 })));
    expect(held.every((h) => typeof h === 'object')).toBe(true);
    const live = await engines[1]!.tryAcquire('crash', { maxConcurrent: 3 });
    expect(typeof live).toBe('object');
    expect(await engines[2]!.tryAcquire('crash', { maxConcurrent: 3 })).toBe('full');
    // The engine dies: it stops renewing and never releases (what SIGKILL leaves behind).
    (dying as unknown as { timer: NodeJS.Timeout }).timer.unref();
    clearInterval((dying as unknown as { timer: NodeJS.Timeout }).timer);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 1.5));
    expect(await engines[2]!.inFlight('crash')).toBe(1); // engine-1's slot, renewed
    const after = await Promise.all([1, 2, 3].map(() => engines[2]!.tryAcquire('crash', { maxConcurrent: 3 })));
    expect(after.filter((a) => typeof a === 'object')).toHaveLength(2);
  });

  it('holds the call rate across three engines with one token bucket', async () => {
    const cps = 20;
    const offered = 60; // per second, over all three engines
    let accepted = 0;
    const started = performance.now();
    let first = 0;
    let last = 0;
    for (let i = 0; i < offered * 3; i++) {
      const at = started + (i * 1000) / offered;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const got = await engines[i % 3]!.tryAcquire('rate20', { cps });
      if (i === 0) first = performance.now();
      last = performance.now();
      if (typeof got === 'object') accepted++;
    }
    // A full bucket at the start (cps tokens), then cps per second for the time the offers lasted.
    const expected = cps + (cps * (last - first)) / 1000;
    expect(Math.abs(accepted - expected)).toBeLessThanOrEqual(2);
  });

  it('lets calls through when Redis is unreachable (per-engine limits still hold)', async () => {
    const client = new Redis({ ...redisOptions('redis://127.0.0.1:1/0', 'nowhere'), maxRetriesPerRequest: 0, retryStrategy: () => null });
    const limits = new RedisTrunkLimits(client, 'cut-off', LEASE_MS, logger);
    expect(typeof (await limits.tryAcquire('any', { maxConcurrent: 1 }))).toBe('object');
    await limits.stop();
    client.disconnect();
  });
});
