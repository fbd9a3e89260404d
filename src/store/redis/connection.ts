import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** Every key this engine writes starts with this (one Redis database can be shared with other apps). */
export const KEY_PREFIX = 'pv:';

/**
 * ioredis options from `redis://[user:password@]host:port/db` or `rediss://…` (TLS).
 *
 * Protocol: ioredis 6 speaks RESP3 by default (`HELLO 3`). Debian's redis-server 7.0.15 has
 * RESP3 (since 6.0), so the default stays; `replyMapping` stays `legacy` so replies keep their
 * RESP2 shapes. `CLIENT SETINFO` only exists from 7.2: ioredis ignores the error, but we skip
 * sending it at all (`disableClientInfo`).
 *
 * Commands written while Redis is away wait in ioredis' queue and are sent again after the
 * reconnect (`autoResendUnfulfilledCommands`, the default). Every write script is therefore
 * idempotent when replayed (see scripts.ts), so a write that did land before the connection
 * dropped is not applied twice.
 */
export function redisOptions(url: string, name: string): RedisOptions & { replyMapping: 'legacy' } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`store: not a redis:// URL (${parsed.protocol})`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new Error('store: the redis URL path must be a database number (redis://host:6379/0)');
  const options: RedisOptions & { replyMapping: 'legacy' } = {
    protocol: 3,
    replyMapping: 'legacy',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db: db === '' ? 0 : Number(db),
    connectionName: name,
    disableClientInfo: true,
    // Keep trying for ~10 s of reconnects before failing a queued command (the API then answers 503).
    maxRetriesPerRequest: 20,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: true,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** One client, its connection state logged once per outage (ioredis prints unhandled 'error' events otherwise). */
export function createRedisClient(url: string, name: string, logger: Logger): Redis {
  const client = new Redis(redisOptions(url, name));
  let down = false;
  let ready = false;
  const lost = (why: string): void => {
    if (down || !ready || closing.has(client)) return;
    down = true;
    logger.warn({ connection: name, why }, 'redis connection lost; reconnecting');
  };
  client.on('error', (err: Error) => {
    if (!ready && !down) logger.warn({ connection: name, err: { message: err.message } }, 'redis connection error');
    lost(err.message);
  });
  client.on('close', () => lost('closed'));
  client.on('ready', () => {
    if (down) logger.info({ connection: name }, 'redis connection restored');
    down = false;
    ready = true;
  });
  return client;
}

const closing = new WeakSet<Redis>();

/**
 * Closes a client once. A second QUIT right after the first (the socket not closed yet) makes
 * ioredis reconnect to send it, and then retry forever once the server is gone: never twice.
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (closing.has(client)) return;
  closing.add(client);
  // Already closed: disconnecting again would leave ioredis' 2 s socket-destroy timer running.
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
