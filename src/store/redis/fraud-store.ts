import type { Redis } from 'ioredis';
import type { FraudBlock, FraudCounts, FraudStore } from '../../fraud/port';
import { KEY_PREFIX } from './connection';

/**
 * The fraud guard's counters and blocks in Redis, shared by every engine: one hash of buckets
 * per prefix (`<bucket>:s`, `<bucket>:v`, expiring with the window), a sorted set of prefixes by
 * their latest bucket, and one hash of blocks (JSON by prefix).
 */
export class RedisFraudStore implements FraudStore {
  private readonly activeKey = `${KEY_PREFIX}fraud:active`;
  private readonly blocksKey = `${KEY_PREFIX}fraud:blocks`;

  constructor(private readonly client: Redis) {}

  private countsKey(prefix: string): string {
    return `${KEY_PREFIX}fraud:c:${prefix}`;
  }

  async count(prefix: string, bucket: number, field: keyof FraudCounts, keepMs: number): Promise<void> {
    const key = this.countsKey(prefix);
    await this.client
      .multi()
      .hincrby(key, `${bucket}:${field === 'started' ? 's' : 'v'}`, 1)
      .pexpire(key, keepMs)
      // GT: the score only moves forward (a late approval does not make a prefix look older)
      .zadd(this.activeKey, 'GT', bucket, prefix)
      .exec();
  }

  async window(prefix: string, from: number, to: number): Promise<FraudCounts> {
    const all = await this.client.hgetall(this.countsKey(prefix));
    const sum = { started: 0, verified: 0 };
    for (const [field, value] of Object.entries(all)) {
      const [bucketText, kind] = field.split(':');
      const bucket = Number(bucketText);
      if (!(bucket >= from && bucket <= to)) continue;
      if (kind === 's') sum.started += Number(value);
      else if (kind === 'v') sum.verified += Number(value);
    }
    return sum;
  }

  async active(since: number): Promise<string[]> {
    await this.client.zremrangebyscore(this.activeKey, '-inf', `(${since}`);
    return this.client.zrangebyscore(this.activeKey, since, '+inf');
  }

  async block(block: FraudBlock): Promise<boolean> {
    // HSETNX: two engines judging the same window place one block (and send one alert)
    return (await this.client.hsetnx(this.blocksKey, block.prefix, JSON.stringify(block))) === 1;
  }

  async blocks(): Promise<FraudBlock[]> {
    const all = await this.client.hgetall(this.blocksKey);
    const found: FraudBlock[] = [];
    for (const text of Object.values(all)) {
      try {
        found.push(JSON.parse(text) as FraudBlock);
      } catch {
        // an unreadable entry is skipped (never a reason to refuse starts)
      }
    }
    return found;
  }

  async lift(prefix: string): Promise<boolean> {
    const results = await this.client.multi().hdel(this.blocksKey, prefix).del(this.countsKey(prefix)).zrem(this.activeKey, prefix).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }
}
