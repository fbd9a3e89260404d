import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SmsReceipt, SmsReceiptRelay } from '../../sms/port';
import type { EnginePeers, HeldAttempt } from '../../verification/ports';
import { closeRedisClient, KEY_PREFIX } from './connection';
import { LuaScript } from './lua';

export interface RedisPeersOptions {
  /** Commands. */
  client: Redis;
  /** A second connection, used only for SUBSCRIBE (a subscribed connection runs no other command). */
  subscriber: Redis;
  instanceId: string;
  logger: Logger;
  /** How often this instance renews its presence key (real time, not the test clock). */
  heartbeatMs: number;
  /** An instance whose presence key is this old is considered dead. */
  instanceTtlMs: number;
  prefix?: string;
}

/**
 * Engine instances on one Redis. Each instance keeps `i:<instance>` alive (PX instanceTtlMs,
 * renewed every heartbeatMs) and is listed in the set `instances`; the attempts it runs are in
 * the set `h:<instance>` as `<verificationId>:<n>`. Abort requests go over pub/sub to channel
 * `abort:<instance>`, SMS delivery receipts for the messages an instance sent to `sms:<instance>`.
 * When an instance's presence key has expired, {@link claimOrphans} moves its held attempts, one
 * claimer each, to the claimer's own set.
 */
export class RedisPeers implements EnginePeers, SmsReceiptRelay {
  private readonly prefix: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly channel: string;
  private readonly smsChannel: string;
  private readonly smsListeners: Array<(receipt: SmsReceipt) => void> = [];

  constructor(private readonly opts: RedisPeersOptions) {
    this.prefix = opts.prefix ?? KEY_PREFIX;
    this.channel = `${this.prefix}abort:${opts.instanceId}`;
    this.smsChannel = `${this.prefix}sms:${opts.instanceId}`;
  }

  onSmsReceipt(listener: (receipt: SmsReceipt) => void): void {
    this.smsListeners.push(listener);
  }

  async forwardSmsReceipt(instance: string, receipt: SmsReceipt): Promise<void> {
    try {
      await this.opts.client.publish(`${this.prefix}sms:${instance}`, JSON.stringify(receipt));
    } catch (err) {
      this.opts.logger.warn({ err, gateway: receipt.gateway }, 'could not forward an sms receipt');
    }
  }

  get instanceId(): string {
    return this.opts.instanceId;
  }

  async start(onAbort: (attempt: HeldAttempt, reason: string) => void): Promise<void> {
    const { subscriber, logger } = this.opts;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.smsChannel) return this.smsMessage(message);
      if (channel !== this.channel) return;
      try {
        const { verificationId, n, reason } = JSON.parse(message) as { verificationId: string; n: number; reason: string };
        logger.debug({ verificationId, attempt: n, reason }, 'abort requested by another instance');
        onAbort({ verificationId, n }, reason);
      } catch (err) {
        logger.warn({ err }, 'bad abort message');
      }
    });
    await subscriber.subscribe(this.channel, this.smsChannel);
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: unknown) => logger.warn({ err }, 'heartbeat failed'));
    }, this.opts.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.opts.client.del(this.presenceKey(this.opts.instanceId)).catch(() => undefined);
    await closeRedisClient(this.opts.subscriber);
  }

  private smsMessage(message: string): void {
    try {
      const receipt = JSON.parse(message) as SmsReceipt;
      if (typeof receipt.gateway !== 'string' || typeof receipt.id !== 'string') throw new TypeError('not a receipt');
      for (const listener of this.smsListeners) listener(receipt);
    } catch (err) {
      this.opts.logger.warn({ err }, 'bad sms receipt message');
    }
  }

  async requestAbort(instance: string, attempt: HeldAttempt, reason: string): Promise<void> {
    try {
      await this.opts.client.publish(`${this.prefix}abort:${instance}`, JSON.stringify({ verificationId: attempt.verificationId, n: attempt.n, reason }));
    } catch (err) {
      this.opts.logger.warn({ err, verificationId: attempt.verificationId }, 'could not send abort request');
    }
  }

  async hold(attempt: HeldAttempt): Promise<void> {
    await this.opts.client.sadd(this.heldKey(this.opts.instanceId), member(attempt));
  }

  async release(attempt: HeldAttempt): Promise<void> {
    await this.opts.client.srem(this.heldKey(this.opts.instanceId), member(attempt));
  }

  async claimOrphans(limit: number): Promise<Array<HeldAttempt & { instance: string }>> {
    const flat = (await CLAIM_ORPHANS.run(this.opts.client, [`${this.prefix}instances`], [this.prefix, this.opts.instanceId, limit])) as string[];
    const out: Array<HeldAttempt & { instance: string }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const item = flat[i + 1] as string;
      const colon = item.lastIndexOf(':');
      out.push({ instance: flat[i] as string, verificationId: item.slice(0, colon), n: Number(item.slice(colon + 1)) });
    }
    return out;
  }

  /** Renews presence; re-lists the instance too, in case it was taken for dead during a long pause. */
  private async beat(): Promise<void> {
    const { client, instanceId, instanceTtlMs } = this.opts;
    await client
      .multi()
      .set(this.presenceKey(instanceId), String(Date.now()), 'PX', instanceTtlMs)
      .sadd(`${this.prefix}instances`, instanceId)
      .exec();
  }

  private presenceKey(instance: string): string {
    return `${this.prefix}i:${instance}`;
  }

  private heldKey(instance: string): string {
    return `${this.prefix}h:${instance}`;
  }
}

function member(attempt: HeldAttempt): string {
  return `${attempt.verificationId}:${attempt.n}`;
}

/**
 * KEYS: instances. ARGV: key prefix, claiming instance, limit. → flat {deadInstance, member, …}
 * Moves held attempts of instances without a presence key to the claimer; forgets dead
 * instances that hold nothing more.
 */
const CLAIM_ORPHANS = new LuaScript(
  'claim-orphans',
  1,
  `
local out = {}
local left = tonumber(ARGV[3])
for _, inst in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if left <= 0 then break end
  if inst ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. 'i:' .. inst) == 0 then
    local held = ARGV[1] .. 'h:' .. inst
    local items = redis.call('SPOP', held, left)
    for _, item in ipairs(items) do
      redis.call('SADD', ARGV[1] .. 'h:' .. ARGV[2], item)
      out[#out + 1] = inst
      out[#out + 1] = item
      left = left - 1
    end
    if redis.call('SCARD', held) == 0 then redis.call('SREM', KEYS[1], inst) end
  end
end
return out
`,
);
