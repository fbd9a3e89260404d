import type { Redis } from 'ioredis';
import { redactUrlPassword } from '../config/load';
import { MemoryStore } from '../store/memory/memory-store';
import type { Store } from '../store/port';
import { createRedisClient } from '../store/redis/connection';
import { RedisPeers } from '../store/redis/redis-peers';
import { RedisStore } from '../store/redis/redis-store';
import { RedisTrunkLimits } from '../store/redis/trunk-limits';
import type { SharedTrunkLimits } from '../routing/shared-limits';
import type { SmsReceiptRelay } from '../sms/port';
import type { EnginePeers } from '../verification/ports';
import type { Base } from './base';
import type { Capability } from './capability';

export interface StoreCapability extends Capability {
  store: Store;
  /** Other engines on the same store (Redis only). */
  peers?: EnginePeers | undefined;
  /** The store's Redis connection (Redis only): the history outbox shares it. */
  redis?: Redis | undefined;
  /** SMS receipts forwarded to the engine that sent the message (Redis only; the peers' pub/sub). */
  smsRelay?: SmsReceiptRelay | undefined;
  /** Trunk caps shared by every engine on the store (Redis only; docs/routing.md). */
  trunkLimits?: SharedTrunkLimits | undefined;
}

/** `store` (memory, or a Redis URL) and `scaleOut`: connects at start, closes last. */
export function storeCapability({ config, logger: root, instanceId }: Base): StoreCapability {
  if (config.store === 'memory') {
    const store = new MemoryStore();
    return { name: 'store', store, start: async () => undefined, stop: () => store.close() };
  }
  const logger = root.child({ component: 'redis' });
  const client = createRedisClient(config.store, `pbxverify:${instanceId}`, logger, config.sentinels);
  let lastError: string | undefined;
  client.once('error', (err: Error) => (lastError = err.message));
  const subscriber = createRedisClient(config.store, `pbxverify:${instanceId}:sub`, logger, config.sentinels);
  const store = new RedisStore(client);
  const peers = new RedisPeers({
    client,
    subscriber,
    instanceId,
    logger,
    heartbeatMs: config.scaleOut.heartbeatMs,
    instanceTtlMs: config.scaleOut.instanceTtlMs,
  });
  return {
    name: 'store',
    store,
    redis: client,
    trunkLimits: new RedisTrunkLimits(client, instanceId, config.routing.leaseSeconds * 1000, logger),
    peers,
    smsRelay: peers,
    async start() {
      try {
        await client.connect();
        await subscriber.connect();
      } catch (err) {
        client.disconnect();
        subscriber.disconnect();
        throw new Error(`store: cannot reach Redis at ${redactUrlPassword(config.store)} (${lastError ?? (err as Error).message})`);
      }
    },
    stop: () => store.close(),
  };
}
