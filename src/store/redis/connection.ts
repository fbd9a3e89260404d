import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** Every key this engine writes starts with this (one Redis database can be shared with other apps). */
export const KEY_PREFIX = 'pv:';

/** A `sentinels:` block: Redis Sentinel nodes that name the current primary (docs/scale-out.md). */
export interface SentinelSettings {
  /** `host:port` of each sentinel. */
  nodes: readonly string[];
  /** The sentinels' own password (`requirepass` in sentinel.conf), when they have one. */
  password?: string | undefined;
  /** TLS to the sentinels too (the store URL's `rediss://` covers the data nodes). */
  tls?: boolean | undefined;
}

type Options = RedisOptions & { replyMapping: 'legacy' };

/**
 * ioredis options from the `store` setting:
 * - `redis://[user:password@]host:port/db`, or `rediss://…` (TLS);
 * - `redis-sentinel://[user:password@]host:port[,host:port…]/db?name=<primary>` (or
 *   `rediss-sentinel://` for TLS everywhere), optional `sentinelPassword=`;
 * - `redis://[user:password@]<primary>/db` with a `sentinels:` block: the URL's host is the name
 *   the sentinels monitor, its credentials and scheme those of the data nodes.
 * With Sentinel, ioredis asks the sentinels for the primary on every (re)connect and, when a
 * command hits a demoted primary (READONLY), reconnects and sends it again to the new one.
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
export function redisOptions(url: string, name: string, sentinels?: SentinelSettings): Options {
  const sentinelUrl = /^(rediss?)-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(url);
  const parsed = sentinelUrl ? undefined : new URL(url);
  if (parsed && parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`store: not a redis:// URL (${parsed.protocol})`);
  const db = (sentinelUrl ? (sentinelUrl[5] ?? '') : (parsed as URL).pathname).replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new Error('store: the redis URL path must be a database number (redis://host:6379/0)');
  const options: Options = {
    protocol: 3,
    replyMapping: 'legacy',
    db: db === '' ? 0 : Number(db),
    connectionName: name,
    disableClientInfo: true,
    // Keep trying for ~10 s of reconnects before failing a queued command (the API then answers 503).
    maxRetriesPerRequest: 20,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: true,
  };
  const user = sentinelUrl ? sentinelUrl[2] : (parsed as URL).username;
  const password = sentinelUrl ? sentinelUrl[3] : (parsed as URL).password;
  if (user) options.username = decodeURIComponent(user);
  if (password) options.password = decodeURIComponent(password);
  const tls = sentinelUrl ? sentinelUrl[1] === 'rediss' : (parsed as URL).protocol === 'rediss:';
  if (tls) options.tls = {};
  if (sentinelUrl) {
    const query = new URLSearchParams(sentinelUrl[6] ?? '');
    const primary = query.get('name');
    if (!primary) throw new Error('store: a redis-sentinel:// URL needs ?name=<the primary the sentinels monitor>');
    useSentinels(options, primary, { nodes: (sentinelUrl[4] as string).split(','), password: query.get('sentinelPassword') ?? undefined, tls });
  } else if (sentinels) {
    useSentinels(options, decodeURIComponent((parsed as URL).hostname), sentinels);
  } else {
    options.host = (parsed as URL).hostname || '127.0.0.1';
    options.port = (parsed as URL).port ? Number((parsed as URL).port) : 6379;
  }
  return options;
}

function useSentinels(options: Options, primary: string, settings: SentinelSettings): void {
  options.name = primary;
  options.sentinels = settings.nodes.map((node) => {
    const m = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(node.trim());
    if (!m) throw new Error('store: a sentinel is host:port');
    return { host: m[1] as string, port: m[2] ? Number(m[2]) : 26379 };
  });
  if (settings.password !== undefined) options.sentinelPassword = settings.password;
  // `tls` on the data nodes needs ioredis' switch in Sentinel mode; the sentinels have their own.
  if (options.tls) options.enableTLSForSentinelMode = true;
  if (settings.tls) options.sentinelTLS = {};
  // Not ioredis's failoverDetector: its +switch-master handler closes the connector while the
  // client is still retrying the dead primary, and ioredis then ends the client for good
  // ("Connection is closed"; 5 runs in 7 of the Sentinel failover test). Reconnecting asks the
  // sentinels again, which finds the promoted replica within the retry delay.
  options.failoverDetector = false;
  options.sentinelRetryStrategy = (times) => Math.min(100 * times, 1000);
  // A demoted primary answers writes with READONLY: reconnect (asks the sentinels) and resend.
  options.reconnectOnError = (err) => (err.message.startsWith('READONLY') ? 2 : false);
}

/** One client, its connection state logged once per outage (ioredis prints unhandled 'error' events otherwise). */
export function createRedisClient(url: string, name: string, logger: Logger, sentinels?: SentinelSettings): Redis {
  const client = new Redis(redisOptions(url, name, sentinels));
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
