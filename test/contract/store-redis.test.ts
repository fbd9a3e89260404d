import pino from 'pino';
import { createRedisClient } from '../../src/store/redis/connection';
import { RedisStore } from '../../src/store/redis/redis-store';
import { startRedisServer } from '../support/redis-server';
import { storeContract } from './store';

storeContract('redis', async () => {
  const server = await startRedisServer();
  const client = createRedisClient(server.url, 'contract', pino({ level: 'silent' }));
  await client.connect();
  const store = new RedisStore(client);
  return {
    store,
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
});
