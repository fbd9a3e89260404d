import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SharedTrunkLimits, TrunkCaps, TrunkSlot } from '../../routing/shared-limits';
import { KEY_PREFIX } from './connection';
import { LuaScript } from './lua';

/**
 * One call's admission on a trunk, cluster-wide, in one round trip on Redis's own clock:
 * - concurrency: a sorted set of slots scored by lease expiry; expired leases (an engine that
 *   died) are dropped first, then a slot is taken if fewer than `max` are live;
 * - call rate: a token bucket (`tokens`, `at`) refilled at `cps` per second up to max(1, cps).
 * The bucket is only charged when the slot is free, and the slot only taken when a token was.
 */
const ADMIT = new LuaScript(
  'trunk-admit',
  2,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local cps = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= max then return 'full' end
end
if cps > 0 then
  local burst = math.max(1, cps)
  local b = redis.call('HMGET', KEYS[2], 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * cps / 1000)
  local ttl = math.ceil(burst / cps * 1000) + 1000
  if tokens < 1 then
    redis.call('HSET', KEYS[2], 'tokens', tostring(tokens), 'at', now)
    redis.call('PEXPIRE', KEYS[2], ttl)
    return 'rate'
  end
  redis.call('HSET', KEYS[2], 'tokens', tostring(tokens - 1), 'at', now)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if max > 0 then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
end
return 'ok'
`,
);

/** Renews this engine's live leases (only those still present: a released slot is not revived). */
const RENEW = new LuaScript(
  'trunk-renew',
  1,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`,
);

const LIVE = new LuaScript(
  'trunk-live',
  1,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`,
);

/**
 * Cluster-wide trunk caps on the Redis store (docs/routing.md "Cluster-wide limits"). Slots are
 * leases renewed every third of the lease while their call lives; an engine that dies stops
 * renewing and its slots expire with the lease. When Redis cannot be reached the call is let
 * through (logged), and the engine's own dialer limits still hold.
 */
export class RedisTrunkLimits implements SharedTrunkLimits {
  /** trunk → members this engine holds. */
  private readonly held = new Map<string, Set<string>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: Redis,
    private readonly instanceId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(200, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  async tryAcquire(trunk: string, caps: TrunkCaps): Promise<TrunkSlot | 'full' | 'rate'> {
    const member = `${this.instanceId}:${randomBytes(6).toString('hex')}`;
    let answer: unknown;
    try {
      answer = await ADMIT.run(this.client, [slotsKey(trunk), bucketKey(trunk)], [caps.maxConcurrent ?? 0, caps.cps ?? 0, this.leaseMs, member]);
    } catch (err) {
      this.logger.warn({ trunk, err: { message: (err as Error).message } }, 'cluster trunk limits unavailable; per-engine limits only');
      return { release: async () => undefined };
    }
    if (answer === 'full' || answer === 'rate') return answer;
    if (!caps.maxConcurrent) return { release: async () => undefined };
    let set = this.held.get(trunk);
    if (!set) this.held.set(trunk, (set = new Set()));
    set.add(member);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        set.delete(member);
        await this.client.zrem(slotsKey(trunk), member).catch(() => undefined);
      },
    };
  }

  async inFlight(trunk: string): Promise<number> {
    try {
      return Number(await LIVE.run(this.client, [slotsKey(trunk)], []));
    } catch {
      return [...(this.held.get(trunk) ?? [])].length;
    }
  }

  /** Stops renewing (the leases then expire) — also what an engine that dies does. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.held].flatMap(([trunk, members]) => [...members].map((m) => this.client.zrem(slotsKey(trunk), m).catch(() => undefined))));
    this.held.clear();
  }

  private async renew(): Promise<void> {
    for (const [trunk, members] of this.held) {
      if (members.size === 0) continue;
      await RENEW.run(this.client, [slotsKey(trunk)], [this.leaseMs, ...members]).catch((err: unknown) =>
        this.logger.warn({ trunk, err: { message: (err as Error).message } }, 'could not renew trunk slot leases'),
      );
    }
  }
}

const slotsKey = (trunk: string): string => `${KEY_PREFIX}trunk:{${trunk}}:slots`;
const bucketKey = (trunk: string): string => `${KEY_PREFIX}trunk:{${trunk}}:rate`;
