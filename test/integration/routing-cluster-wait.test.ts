import { Redis } from 'ioredis';
import pino from 'pino';
import { configSchema } from '../../src/config/schema';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { compileTable } from '../../src/routing/route-table';
import { RoutedPbx } from '../../src/routing/routed-pbx';
import { Router } from '../../src/routing/router';
import type { SharedTrunkLimits } from '../../src/routing/shared-limits';
import { redisOptions } from '../../src/store/redis/connection';
import { RedisTrunkLimits } from '../../src/store/redis/trunk-limits';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/**
 * A call held at a full cluster-wide cap (the last trunk of its route waits for a slot) asks Redis
 * with a backoff rather than every 25 ms, and a slot this engine frees wakes it at once. The real
 * router, dialer, simulator and redis-server; the limiter is counted, not replaced.
 */
const logger = pino({ level: 'silent' });
const US = '+12025550100'; // the simulator's answering person

describe('waiting for a cluster-wide trunk slot', () => {
  let server: RedisServer;
  let client: Redis;
  let limits: RedisTrunkLimits;
  let routed: RoutedPbx;
  const asked: number[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(redisOptions(server.url, 'wait'));
    await client.connect();
    limits = new RedisTrunkLimits(client, 'engine-a', 5_000, logger);
    const counted: SharedTrunkLimits = {
      tryAcquire: (trunk, caps) => {
        asked.push(performance.now());
        return limits.tryAcquire(trunk, caps);
      },
      inFlight: (trunk) => limits.inFlight(trunk),
      stop: () => limits.stop(),
    };
    const config = configSchema.parse({
      trunks: [{ name: 'capped', maxConcurrent: 1, callerIds: ['+12025550180'] }],
      routes: [{ match: { countries: ['US'] }, trunks: ['capped'] }],
    });
    const router = new Router(compileTable(config.trunks, config.routes, 60_000), { window: 10, minCalls: 5, minAsr: 0.1, maxConsecutiveFailures: 3, openMs: 60_000 });
    const sim = new SimulatorPbx({ clock: systemClock, logger, speed: 10, durationMs: () => 100 });
    const dialer = new DialerPbx({ nodes: [{ name: 'simulator', pbx: sim }], clock: systemClock, logger, defaultLimits: { cps: 100, maxConcurrent: 100 }, queueMaxLength: 10, queueTimeoutMs: 5000, healthCheckMs: 1000, downAfterChecks: 3 });
    routed = new RoutedPbx(dialer, router, systemClock, logger, counted, 10_000);
    await routed.start();
  });
  afterAll(async () => {
    await routed.stop();
    await limits.stop();
    client.disconnect();
    await server.stop();
  });

  it('asks with a backoff while the cap is full, and gets the slot this engine frees', async () => {
    const first = await routed.originate({ to: US, lang: 'en', channel: 'call', ringTimeoutMs: 5000, tag: 'one' }, { timeoutMs: 10_000 });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    asked.length = 0;
    const second = routed.originate({ to: US, lang: 'en', channel: 'call', ringTimeoutMs: 5000, tag: 'two' }, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // 25, 50, 100, then every 200 ms (±25 %): at most 11 asks in 1.5 s; every 25 ms would be ~60
    const waitingAsks = asked.length;
    expect(waitingAsks).toBeGreaterThanOrEqual(4);
    expect(waitingAsks).toBeLessThanOrEqual(11);
    await first.call.hangup();
    const placed = await second;
    expect(placed.ok).toBe(true);
    expect(placed.route?.trunk).toBe('capped');
    // freed here: the waiter was woken and took the slot with the next ask (one timed ask may
    // have gone out while the hang-up was on its way)
    expect(asked.length - waitingAsks).toBeGreaterThanOrEqual(1);
    expect(asked.length - waitingAsks).toBeLessThanOrEqual(2);
    if (placed.ok) await placed.call.hangup();
  });
});
