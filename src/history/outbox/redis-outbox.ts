import type { Redis } from 'ioredis';
import type { HistoryEvent } from '../port';
import type { HistoryOutbox, OutboxEntry } from './outbox';

export interface RedisOutboxOptions {
  client: Redis;
  /** This engine (the stream consumer name). */
  consumer: string;
  /** Entries claimed by another engine this long ago without an ack are taken over. */
  leaseMs: number;
  /** Stream key (default `pv:history`). */
  key?: string;
}

const GROUP = 'writers';

type StreamEntries = Array<[string, string[]]>;

/**
 * The durable outbox (Redis store): a Redis stream read through one consumer group shared by
 * every engine. An event is in Redis before the API answers, so kill -9 of an engine loses
 * nothing: its claimed but unacknowledged entries are taken over by a surviving engine (or by
 * itself after a restart) once their lease lapses. Acknowledged entries are deleted, so the
 * stream's length is the backlog.
 */
export class RedisOutbox implements HistoryOutbox {
  readonly kind = 'redis';
  private readonly key: string;
  private ready: Promise<void> | undefined;

  constructor(private readonly opts: RedisOutboxOptions) {
    this.key = opts.key ?? 'pv:history';
  }

  async append(events: readonly HistoryEvent[]): Promise<void> {
    if (events.length === 1) {
      await this.opts.client.xadd(this.key, '*', 'e', JSON.stringify(events[0]));
      return;
    }
    const pipeline = this.opts.client.pipeline();
    for (const event of events) pipeline.xadd(this.key, '*', 'e', JSON.stringify(event));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async claim(limit: number): Promise<OutboxEntry[]> {
    await this.ensureGroup();
    const { client, consumer } = this.opts;
    // 1. Our own entries claimed before and not acknowledged (a failed write is retried first).
    const own = parse(await client.xreadgroup('GROUP', GROUP, consumer, 'COUNT', limit, 'STREAMS', this.key, '0'));
    if (own.length > 0) return own;
    // 2. Entries another engine claimed and never acknowledged (it died or stalled).
    const taken = (await client.xautoclaim(this.key, GROUP, consumer, this.opts.leaseMs, '0-0', 'COUNT', limit)) as [string, StreamEntries, string[]?];
    const orphans = entries(taken[1]);
    if (orphans.length > 0) return orphans;
    // 3. New entries.
    return parse(await client.xreadgroup('GROUP', GROUP, consumer, 'COUNT', limit, 'STREAMS', this.key, '>'));
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.opts.client.multi().xack(this.key, GROUP, ...ids).xdel(this.key, ...ids).exec();
  }

  backlog(): Promise<number> {
    return this.opts.client.xlen(this.key);
  }

  dropped(): number {
    return 0;
  }

  private ensureGroup(): Promise<void> {
    this.ready ??= this.opts.client
      .xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM')
      .then(() => undefined)
      .catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) {
          this.ready = undefined;
          throw err;
        }
      });
    return this.ready;
  }
}

function parse(reply: unknown): OutboxEntry[] {
  if (!Array.isArray(reply)) return [];
  const stream = reply[0] as [string, StreamEntries] | undefined;
  return stream ? entries(stream[1]) : [];
}

function entries(list: StreamEntries | undefined): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (const [id, fields] of list ?? []) {
    // An entry deleted after it was claimed comes back with no fields: nothing to write.
    const json = fields?.[1];
    if (json !== undefined) out.push({ id, event: JSON.parse(json) as HistoryEvent });
  }
  return out;
}
