import pino from 'pino';
import { createRedisClient } from '../../src/store/redis/connection';
import { RedisFraudStore } from '../../src/store/redis/fraud-store';
import { startRedisServer } from '../support/redis-server';
import { fraudStoreContract } from './fraud-store';

fraudStoreContract('redis (two engines, one redis-server)', async () => {
  const server = await startRedisServer();
  const clients = [createRedisClient(server.url, 'fraud-a', pino({ level: 'silent' })), createRedisClient(server.url, 'fraud-b', pino({ level: 'silent' }))];
  for (const client of clients) await client.connect();
  return {
    stores: [new RedisFraudStore(clients[0]!), new RedisFraudStore(clients[1]!)],
    close: async () => {
      for (const client of clients) client.disconnect();
      await server.stop();
    },
  };
});
