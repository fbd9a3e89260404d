import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../../lib/errors';
import type { VerificationRecord } from '../../verification/model';
import type { ChainedHit, CreateResult, IdempotencyState, Job, Lease, Store, WebhookDelivery } from '../port';
import { closeRedisClient, KEY_PREFIX } from './connection';
import { decodeJob, decodeDelivery, encodeDelivery, encodeJob } from './job-codec';
import type { LuaScript } from './lua';
import { decodeRecord, encodeRecord } from './record-codec';
import * as scripts from './scripts';
import type { SmsMessageRef } from '../../sms/port';

/**
 * The shared store: several engines on one Redis. Records are compact strings with a TTL
 * (record-codec.ts); number slots, compare-and-set writes, job leases and the ordered webhook
 * outbox are Lua scripts (scripts.ts). Durable when Redis is (appendonly yes, noeviction: see
 * docs/scale-out.md).
 *
 * Keys (prefix `pv:`): `r:<id>` record, `n:<keyId>|<to>` number slot → id, `jobs` + `due`
 * workflow schedule, `wd` + `wq:<orderingKey>` + `wdue` webhook outbox, `c:<name>:<window>`
 * counters, `idem:<scope>|<key>` idempotency keys, `sms:<gateway>|<id>` SMS message → sender.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  private readonly k: {
    jobs: string;
    due: string;
    wd: string;
    wdue: string;
    wq: string;
    record: string;
  };

  constructor(
    private readonly client: Redis,
    private readonly prefix: string = KEY_PREFIX,
  ) {
    this.k = {
      jobs: `${prefix}jobs`,
      due: `${prefix}due`,
      wd: `${prefix}wd`,
      wdue: `${prefix}wdue`,
      wq: `${prefix}wq:`,
      record: `${prefix}r:`,
    };
  }

  async create(record: VerificationRecord, opts: { replaceActive: boolean; ttlMs: number }): Promise<CreateResult> {
    const reply = (await this.run(scripts.CREATE, [this.slotKey(record.keyId, record.to), this.k.record + record.id], [
      record.id,
      recordValue(record),
      ttl(opts.ttlMs),
      opts.replaceActive ? 1 : 0,
      this.k.record,
    ])) as [number, string];
    if (reply[0] === 0) return { ok: false, activeId: reply[1] };
    return reply[1] === '' ? { ok: true } : { ok: true, replacedId: reply[1] };
  }

  async get(id: string): Promise<VerificationRecord | undefined> {
    const value = await this.call(() => this.client.get(this.k.record + id));
    return value === null ? undefined : parseRecord(id, value);
  }

  async findByNumber(keyId: string, to: string): Promise<VerificationRecord | undefined> {
    const id = await this.call(() => this.client.get(this.slotKey(keyId, to)));
    return id === null ? undefined : this.get(id);
  }

  async update(next: VerificationRecord, ttlMs: number): Promise<boolean> {
    const reply = await this.run(scripts.UPDATE, [this.k.record + next.id, this.slotKey(next.keyId, next.to)], [
      next.v - 1,
      recordValue(next),
      ttl(ttlMs),
      next.id,
    ]);
    return reply === 1;
  }

  async scheduleJob(job: Job): Promise<void> {
    await this.run(scripts.SCHEDULE_JOB, [this.k.jobs, this.k.due], [job.id, encodeJob(job), Math.round(job.at)]);
  }

  async scheduleJobs(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.run(scripts.SCHEDULE_JOBS, [this.k.jobs, this.k.due], jobs.flatMap((job) => [job.id, encodeJob(job), Math.round(job.at)]));
  }

  async cancelJob(id: string): Promise<void> {
    await this.run(scripts.CANCEL_JOB, [this.k.jobs, this.k.due], [id]);
  }

  async claimDueJobs(now: number, limit: number, lease: Lease): Promise<Job[]> {
    const flat = (await this.run(scripts.CLAIM_JOBS, [this.k.jobs, this.k.due], [Math.floor(now), limit, Math.floor(now + lease.leaseMs)])) as string[];
    const jobs: Job[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) jobs.push(decodeJob(flat[i] as string, flat[i + 1] as string));
    return jobs;
  }

  async ackJob(id: string, token: string): Promise<void> {
    await this.run(scripts.ACK_JOB, [this.k.jobs, this.k.due], [id, token]);
  }

  async nextJobAt(): Promise<number | undefined> {
    const first = await this.call(() => this.client.zrange(this.k.due, '0', '0', 'WITHSCORES'));
    return first[1] === undefined ? undefined : Number(first[1]);
  }

  async enqueueWebhook(delivery: WebhookDelivery): Promise<void> {
    await this.run(scripts.ENQUEUE_WEBHOOK, [this.k.wd, this.k.wdue], [
      delivery.id,
      encodeDelivery(delivery),
      delivery.orderingKey,
      Math.round(delivery.nextAt),
      this.k.wq,
    ]);
  }

  async claimWebhooks(now: number, limit: number, lease: Lease): Promise<WebhookDelivery[]> {
    const flat = (await this.run(scripts.CLAIM_WEBHOOKS, [this.k.wd, this.k.wdue], [
      Math.floor(now),
      limit,
      Math.floor(now + lease.leaseMs),
      this.k.wq,
    ])) as string[];
    const out: WebhookDelivery[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push(decodeDelivery(flat[i] as string, flat[i + 1] as string));
    return out;
  }

  async completeWebhook(id: string): Promise<void> {
    await this.run(scripts.COMPLETE_WEBHOOK, [this.k.wd, this.k.wdue], [id, this.k.wq]);
  }

  async retryWebhook(id: string, nextAt: number, attempts: number, lastError: string): Promise<void> {
    await this.run(scripts.RETRY_WEBHOOK, [this.k.wd, this.k.wdue], [id, Math.round(nextAt), attempts, JSON.stringify(lastError), this.k.wq]);
  }

  async pendingWebhooks(): Promise<number> {
    return this.call(() => this.client.hlen(this.k.wd));
  }

  async hit(counter: string, windowMs: number, now: number): Promise<number> {
    const window = Math.floor(now / windowMs);
    const remainingMs = (window + 1) * windowMs - now;
    const reply = await this.run(scripts.HIT, [`${this.prefix}c:${counter}:${window}`], [Math.max(1, Math.ceil(remainingMs))]);
    return Number(reply);
  }

  async hitChain(hits: readonly ChainedHit[], now: number): Promise<number[]> {
    if (hits.length === 0) return [];
    const keys = hits.map((h) => `${this.prefix}c:${h.counter}:${Math.floor(now / h.windowMs)}`);
    const args = hits.flatMap((h) => [Math.max(1, Math.ceil((Math.floor(now / h.windowMs) + 1) * h.windowMs - now)), h.limit, h.ifFirst ? 1 : 0]);
    return ((await this.run(scripts.HIT_CHAIN, keys, args)) as unknown[]).map(Number);
  }

  async unhit(counter: string, windowMs: number, at: number): Promise<void> {
    await this.run(scripts.UNHIT, [`${this.prefix}c:${counter}:${Math.floor(at / windowMs)}`], []);
  }

  async reserveIdempotency(
    scope: string,
    key: string,
    entry: { fingerprint: string; token: string; now: number; leaseMs: number },
  ): Promise<IdempotencyState> {
    const reply = (await this.run(scripts.IDEMPOTENCY_RESERVE, [this.idempotencyKey(scope, key)], [
      Math.floor(entry.now),
      Math.floor(entry.now + entry.leaseMs),
      entry.token,
      entry.fingerprint,
      ttl(entry.leaseMs),
    ])) as [string, string?, string?];
    return idempotencyState(reply) ?? { state: 'reserved' };
  }

  async completeIdempotency(
    scope: string,
    key: string,
    entry: { fingerprint: string; token: string; response: string; now: number; ttlMs: number },
  ): Promise<boolean> {
    const reply = await this.run(scripts.IDEMPOTENCY_COMPLETE, [this.idempotencyKey(scope, key)], [
      Math.floor(entry.now),
      entry.token,
      Math.floor(entry.now + entry.ttlMs),
      entry.fingerprint,
      entry.response,
      ttl(entry.ttlMs),
    ]);
    return reply === 1;
  }

  async releaseIdempotency(scope: string, key: string, token: string): Promise<void> {
    await this.run(scripts.IDEMPOTENCY_RELEASE, [this.idempotencyKey(scope, key)], [token]);
  }

  async getIdempotency(scope: string, key: string, now: number): Promise<Exclude<IdempotencyState, { state: 'reserved' }> | undefined> {
    const value = await this.call(() => this.client.get(this.idempotencyKey(scope, key)));
    if (value === null) return undefined;
    const match = /^([pd])\n(\d+)\n[^\n]*\n([^\n]*)\n([\s\S]*)$/.exec(value);
    if (!match || Number(match[2]) <= now) return undefined;
    return idempotencyState([match[1] as string, match[3] ?? '', match[4] ?? '']);
  }

  async claimLine(line: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.run(scripts.CLAIM_LINE, [`${this.prefix}line:${line}`], [owner, Math.max(1, Math.round(ttlMs))])) === 1;
  }

  async lineOwner(line: string): Promise<string | undefined> {
    return (await this.call(() => this.client.get(`${this.prefix}line:${line}`))) ?? undefined;
  }

  async releaseLine(line: string, owner: string): Promise<void> {
    await this.run(scripts.RELEASE_LINE, [`${this.prefix}line:${line}`], [owner]);
  }

  async putSmsMessage(gateway: string, id: string, ref: SmsMessageRef, ttlMs: number): Promise<void> {
    await this.call(() => this.client.set(this.smsKey(gateway, id), JSON.stringify(ref), 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async getSmsMessage(gateway: string, id: string): Promise<SmsMessageRef | undefined> {
    const value = await this.call(() => this.client.get(this.smsKey(gateway, id)));
    if (value === null) return undefined;
    const parsed = JSON.parse(value) as Partial<SmsMessageRef>;
    if (typeof parsed.owner !== 'string' || typeof parsed.tag !== 'string') return undefined;
    return { owner: parsed.owner, tag: parsed.tag, ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}) };
  }

  async deleteSmsMessage(gateway: string, id: string): Promise<void> {
    await this.call(() => this.client.del(this.smsKey(gateway, id)));
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.client);
  }

  /** `sms:<gateway>|<id>`: gateway names have no `|`. */
  private smsKey(gateway: string, id: string): string {
    return `${this.prefix}sms:${gateway}|${id}`;
  }

  private slotKey(keyId: string, to: string): string {
    return `${this.prefix}n:${keyId}|${to}`;
  }

  /** The scope is an API key id (no `|`), so the first `|` ends it whatever the key holds. */
  private idempotencyKey(scope: string, key: string): string {
    return `${this.prefix}idem:${scope}|${key}`;
  }

  private run(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.call(() => script.run(this.client, keys, args));
  }

  /** Redis failures become STORE_UNAVAILABLE (503), the cause kept for the logs. */
  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof Error && /^(ERR|WRONGTYPE) /.test(err.message)) throw err;
      throw new AppError('STORE_UNAVAILABLE', { cause: err });
    }
  }
}

/** A script's `{held, fingerprint, response}` reply; undefined for `{'r'}` (reserved). */
function idempotencyState(reply: [string, string?, string?]): Exclude<IdempotencyState, { state: 'reserved' }> | undefined {
  const [held, fingerprint = '', response = ''] = reply;
  if (held === 'p') return { state: 'in-flight', fingerprint };
  if (held === 'd') return { state: 'done', fingerprint, response };
  return undefined;
}

function ttl(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/** `<encoded record>\n<nonce>`: the nonce makes each write's value unique (see scripts.ts on replays). */
function recordValue(record: VerificationRecord): string {
  return `${encodeRecord(record)}\n${randomBytes(6).toString('base64url')}`;
}

function parseRecord(id: string, value: string): VerificationRecord {
  const end = value.lastIndexOf('\n');
  return decodeRecord(id, end < 0 ? value : value.slice(0, end));
}
