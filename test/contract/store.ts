/**
 * The Store port contract: run against the memory store and a real redis-server.
 */
import { randomBytes } from 'node:crypto';
import type { Job, Store, WebhookDelivery } from '../../src/store/port';
import type { VerificationRecord } from '../../src/verification/model';
import { idempotencyContract } from './store-idempotency';

export interface StoreHarness {
  store: Store;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

export function sampleRecord(overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  const now = Date.now();
  return {
    v: 1,
    id: randomBytes(16).toString('hex'),
    keyId: 'k1',
    to: `+1202555${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`,
    workflow: 'call',
    steps: [{ channel: 'call', waitSeconds: 0, code: 'new' }],
    lang: 'en',
    brand: 'Acme',
    gate: false,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    expiresAt: now + 600_000,
    expirySeconds: 600,
    codeLength: 6,
    customCode: false,
    codeHash: 'hash',
    codeSealed: 'sealed',
    codeExpiresAt: now + 600_000,
    codes: 1,
    wrongChecks: 0,
    maxChecks: 5,
    nextStep: 0,
    nextStepAt: now,
    attempts: [],
    ...overrides,
  };
}

function job(overrides: Partial<Job> = {}): Job {
  const id = randomBytes(8).toString('hex');
  return { id: `${id}:step`, kind: 'step', verificationId: id, at: 1000, token: 't1', step: 0, ...overrides };
}

function delivery(orderingKey: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: `msg_${randomBytes(6).toString('hex')}`,
    orderingKey,
    keyId: 'k1',
    url: 'http://127.0.0.1:1/hook',
    type: 'verification.approved',
    body: '{}',
    createdAt: 1,
    nextAt: 1000,
    attempts: 0,
    ...overrides,
  };
}

const lease = { owner: 'engine-a', leaseMs: 5_000 };

export function storeContract(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeAll(async () => {
      h = await setup();
      store = h.store;
    });
    afterAll(async () => {
      await h.close();
    });

    describe('records', () => {
      it('stores a record and finds it by id and by number', async () => {
        const record = sampleRecord();
        await expect(store.create(record, { replaceActive: false, ttlMs: HOUR })).resolves.toEqual({ ok: true });
        await expect(store.get(record.id)).resolves.toEqual(record);
        await expect(store.findByNumber(record.keyId, record.to)).resolves.toEqual(record);
        await expect(store.findByNumber('other-key', record.to)).resolves.toBeUndefined();
        await expect(store.get('0'.repeat(32))).resolves.toBeUndefined();
      });

      it('refuses a second pending verification for the same number and key', async () => {
        const first = sampleRecord();
        await store.create(first, { replaceActive: false, ttlMs: HOUR });
        const second = sampleRecord({ to: first.to });
        await expect(store.create(second, { replaceActive: false, ttlMs: HOUR })).resolves.toEqual({ ok: false, activeId: first.id });
        await expect(store.get(second.id)).resolves.toBeUndefined();
      });

      it('lets another key verify the same number', async () => {
        const first = sampleRecord();
        await store.create(first, { replaceActive: false, ttlMs: HOUR });
        const other = sampleRecord({ to: first.to, keyId: 'k2' });
        await expect(store.create(other, { replaceActive: false, ttlMs: HOUR })).resolves.toEqual({ ok: true });
      });

      it('replaces a pending verification when asked, naming the replaced one', async () => {
        const first = sampleRecord();
        await store.create(first, { replaceActive: false, ttlMs: HOUR });
        const second = sampleRecord({ to: first.to });
        await expect(store.create(second, { replaceActive: true, ttlMs: HOUR })).resolves.toEqual({ ok: true, replacedId: first.id });
        await expect(store.findByNumber(first.keyId, first.to)).resolves.toMatchObject({ id: second.id });
      });

      it('allows a new verification once the previous one has ended', async () => {
        const first = sampleRecord();
        await store.create(first, { replaceActive: false, ttlMs: HOUR });
        await store.update({ ...first, v: 2, status: 'approved' }, HOUR);
        const second = sampleRecord({ to: first.to });
        await expect(store.create(second, { replaceActive: false, ttlMs: HOUR })).resolves.toEqual({ ok: true });
        await expect(store.get(first.id)).resolves.toMatchObject({ status: 'approved' });
      });

      it('writes only on the expected version (compare-and-set)', async () => {
        const record = sampleRecord();
        await store.create(record, { replaceActive: false, ttlMs: HOUR });
        await expect(store.update({ ...record, v: 3, wrongChecks: 1 }, HOUR)).resolves.toBe(false);
        await expect(store.update({ ...record, v: 2, wrongChecks: 1 }, HOUR)).resolves.toBe(true);
        await expect(store.update({ ...record, v: 2, wrongChecks: 9 }, HOUR)).resolves.toBe(false);
        await expect(store.get(record.id)).resolves.toMatchObject({ v: 2, wrongChecks: 1 });
      });

      it('lets exactly one of many racing writers win', async () => {
        const record = sampleRecord();
        await store.create(record, { replaceActive: false, ttlMs: HOUR });
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.update({ ...record, v: 2, wrongChecks: i }, HOUR)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('keeps the optional fields compat adapters set (code lifetime, metadata)', async () => {
        const r = sampleRecord({ codeLifetimeSeconds: 300, meta: { calledin_callback: 'https://example.com/cb?x=1', calledin_secret: '' } });
        await store.create(r, { replaceActive: false, ttlMs: 60_000 });
        expect(await store.get(r.id)).toMatchObject({ codeLifetimeSeconds: 300, meta: { calledin_callback: 'https://example.com/cb?x=1', calledin_secret: '' } });
      });

      it('refuses to update a record that does not exist', async () => {
        await expect(store.update(sampleRecord({ v: 2 }), HOUR)).resolves.toBe(false);
      });

      it('forgets a record after its time to live', async () => {
        const record = sampleRecord();
        await store.create(record, { replaceActive: false, ttlMs: 1_000 });
        await new Promise((r) => setTimeout(r, 1_600));
        await expect(store.get(record.id)).resolves.toBeUndefined();
      });
    });

    describe('jobs', () => {
      it('schedules several jobs in one step; a job with the same id is replaced', async () => {
        const first = job({ at: 1_000 });
        const second = job({ at: 2_000 });
        await store.scheduleJob({ ...first, at: 90_000, token: 'old' });
        await store.scheduleJobs([first, second]);
        await store.scheduleJobs([]);
        const claimed = await store.claimDueJobs(2_500, 10, lease);
        expect(claimed.filter((j) => j.id === first.id || j.id === second.id).map((j) => [j.id, j.token]).sort()).toEqual([[first.id, first.token], [second.id, second.token]].sort());
        await store.ackJob(first.id, first.token);
        await store.ackJob(second.id, second.token);
      });

      it('hands out due jobs once, and only due ones', async () => {
        const due = job({ at: 1_000 });
        const later = job({ at: 50_000 });
        await store.scheduleJob(due);
        await store.scheduleJob(later);
        const claimed = await store.claimDueJobs(2_000, 10, lease);
        expect(claimed.map((j) => j.id)).toContain(due.id);
        expect(claimed.map((j) => j.id)).not.toContain(later.id);
        const again = await store.claimDueJobs(2_000, 10, { owner: 'engine-b', leaseMs: 5_000 });
        expect(again.map((j) => j.id)).not.toContain(due.id);
        await store.ackJob(due.id, due.token);
        await store.cancelJob(later.id);
      });

      it('hands a job to another engine when the lease runs out unacknowledged', async () => {
        const j = job({ at: 1_000 });
        await store.scheduleJob(j);
        expect((await store.claimDueJobs(2_000, 10, lease)).map((x) => x.id)).toContain(j.id);
        const taken = await store.claimDueJobs(2_000 + 5_001, 10, { owner: 'engine-b', leaseMs: 5_000 });
        expect(taken.map((x) => x.id)).toContain(j.id);
        await store.ackJob(j.id, j.token);
        expect((await store.claimDueJobs(100_000, 10, lease)).map((x) => x.id)).not.toContain(j.id);
      });

      it('keeps a job rescheduled while it ran (ack removes only the claimed version)', async () => {
        const j = job({ at: 1_000 });
        await store.scheduleJob(j);
        await store.claimDueJobs(2_000, 10, lease);
        await store.scheduleJob({ ...j, at: 3_000, token: 't2', step: 1 });
        await store.ackJob(j.id, j.token);
        const next = await store.claimDueJobs(4_000, 10, lease);
        expect(next.find((x) => x.id === j.id)).toMatchObject({ token: 't2', step: 1 });
        await store.ackJob(j.id, 't2');
      });

      it('drops canceled jobs', async () => {
        const j = job({ at: 1_000 });
        await store.scheduleJob(j);
        await store.cancelJob(j.id);
        expect((await store.claimDueJobs(2_000, 10, lease)).map((x) => x.id)).not.toContain(j.id);
      });

      it('tells when the next job is due', async () => {
        const j = job({ at: 7_777 });
        await store.scheduleJob(j);
        const next = await store.nextJobAt();
        expect(next).toBeDefined();
        expect(next as number).toBeLessThanOrEqual(7_777);
        await store.cancelJob(j.id);
      });
    });

    describe('webhook outbox', () => {
      it('delivers one at a time per verification, in order', async () => {
        const key = randomBytes(8).toString('hex');
        const a = delivery(key, { type: 'attempt.started' });
        const b = delivery(key, { type: 'attempt.completed' });
        await store.enqueueWebhook(a);
        await store.enqueueWebhook(b);
        const first = await store.claimWebhooks(2_000, 10, lease);
        expect(first.filter((d) => d.orderingKey === key).map((d) => d.id)).toEqual([a.id]);
        await store.completeWebhook(a.id);
        const second = await store.claimWebhooks(2_000, 10, lease);
        expect(second.filter((d) => d.orderingKey === key).map((d) => d.id)).toEqual([b.id]);
        await store.completeWebhook(b.id);
      });

      it('holds later events behind a failed one until its retry succeeds', async () => {
        const key = randomBytes(8).toString('hex');
        const a = delivery(key);
        const b = delivery(key);
        await store.enqueueWebhook(a);
        await store.enqueueWebhook(b);
        await store.claimWebhooks(2_000, 10, lease);
        await store.retryWebhook(a.id, 10_000, 1, 'HTTP 500');
        expect((await store.claimWebhooks(5_000, 10, lease)).filter((d) => d.orderingKey === key)).toEqual([]);
        const retried = (await store.claimWebhooks(10_000, 10, lease)).filter((d) => d.orderingKey === key);
        expect(retried).toEqual([expect.objectContaining({ id: a.id, attempts: 1, lastError: 'HTTP 500' })]);
        await store.completeWebhook(a.id);
        await store.completeWebhook(b.id);
      });

      it("keeps a delivery's method (GET callbacks carry their data in the URL)", async () => {
        const key = randomBytes(8).toString('hex');
        const d = delivery(key, { method: 'GET', body: '', url: 'https://example.com/cb?match=1&answered=1' });
        await store.enqueueWebhook(d);
        const claimed = (await store.claimWebhooks(2_000, 10, lease)).find((x) => x.id === d.id);
        expect(claimed).toMatchObject({ method: 'GET', body: '', url: 'https://example.com/cb?match=1&answered=1' });
        await store.completeWebhook(d.id);
      });

      it('delivers different verifications side by side and counts what waits', async () => {
        const before = await store.pendingWebhooks();
        const x = delivery(randomBytes(8).toString('hex'));
        const y = delivery(randomBytes(8).toString('hex'));
        await store.enqueueWebhook(x);
        await store.enqueueWebhook(y);
        expect(await store.pendingWebhooks()).toBe(before + 2);
        const claimed = (await store.claimWebhooks(2_000, 10, lease)).map((d) => d.id);
        expect(claimed).toEqual(expect.arrayContaining([x.id, y.id]));
        await store.completeWebhook(x.id);
        await store.completeWebhook(y.id);
        expect(await store.pendingWebhooks()).toBe(before);
      });
    });

    describe('counters', () => {
      it('counts hits in fixed windows', async () => {
        const counter = `flood:${randomBytes(4).toString('hex')}`;
        expect(await store.hit(counter, 60_000, 120_000)).toBe(1);
        expect(await store.hit(counter, 60_000, 150_000)).toBe(2);
        expect(await store.hit(counter, 60_000, 180_000)).toBe(1);
      });

      it('takes back a hit of the window it was made in, never below zero', async () => {
        const counter = `quota:${randomBytes(4).toString('hex')}`;
        await store.hit(counter, 60_000, 120_000);
        await store.hit(counter, 60_000, 130_000);
        await store.hit(counter, 60_000, 190_000);
        await store.unhit(counter, 60_000, 125_000);
        expect(await store.hit(counter, 60_000, 140_000)).toBe(2);
        expect(await store.hit(counter, 60_000, 195_000)).toBe(2);
        await store.unhit(counter, 60_000, 245_000);
        for (let i = 0; i < 3; i++) await store.unhit(counter, 60_000, 150_000);
        expect(await store.hit(counter, 60_000, 150_000)).toBe(1);
        expect(await store.hit(counter, 60_000, 250_000)).toBe(1);
      });

      it('hits a chain in order in one step, as separate hits would, and stops after the first count over its limit', async () => {
        const tag = randomBytes(4).toString('hex');
        const [a, b, c] = [`a:${tag}`, `b:${tag}`, `c:${tag}`];
        const chain = [
          { counter: a, windowMs: 60_000, limit: 2 },
          { counter: b, windowMs: 600_000, limit: 100 },
          { counter: c, windowMs: 60_000, limit: 100 },
        ];
        expect(await store.hitChain(chain, 120_000)).toEqual([1, 1, 1]);
        expect(await store.hitChain(chain, 130_000)).toEqual([2, 2, 2]);
        // `a` goes over its limit: `b` and `c` are not hit.
        expect(await store.hitChain(chain, 140_000)).toEqual([3]);
        expect(await store.hit(b, 600_000, 140_000)).toBe(3);
        expect(await store.hit(c, 60_000, 140_000)).toBe(3);
        // A new window of `a` (and `c`); `b`'s ten-minute window goes on. Separate `unhit`s take hits back.
        expect(await store.hitChain(chain, 190_000)).toEqual([1, 4, 1]);
        await store.unhit(b, 600_000, 190_000);
        expect(await store.hit(b, 600_000, 195_000)).toBe(4);
      });

      it('makes an `ifFirst` hit only when the hit before it was the first of its window (0 when skipped)', async () => {
        const tag = randomBytes(4).toString('hex');
        const chain = [
          { counter: `n:${tag}`, windowMs: 60_000, limit: Number.MAX_SAFE_INTEGER },
          { counter: `r:${tag}`, windowMs: 60_000, limit: 1, ifFirst: true },
        ];
        expect(await store.hitChain(chain, 120_000)).toEqual([1, 1]);
        expect(await store.hitChain(chain, 121_000)).toEqual([2, 0]);
        expect(await store.hit(`r:${tag}`, 60_000, 122_000)).toBe(2);
        expect(await store.hitChain([], 122_000)).toEqual([]);
      });
    });

    idempotencyContract(() => store);

    describe('line claims (flash caller IDs, missed-call DIDs)', () => {
      it('gives a line to one owner at a time, renews it for that owner, and frees it only for that owner', async () => {
        const line = `fc:+447700900123:+442037691234:${Math.random()}`;
        expect(await store.lineOwner(line)).toBeUndefined();
        expect(await store.claimLine(line, 'a', 60_000)).toBe(true);
        expect(await store.claimLine(line, 'b', 60_000)).toBe(false);
        expect(await store.claimLine(line, 'a', 60_000)).toBe(true);
        expect(await store.lineOwner(line)).toBe('a');
        await store.releaseLine(line, 'b');
        expect(await store.lineOwner(line)).toBe('a');
        await store.releaseLine(line, 'a');
        expect(await store.lineOwner(line)).toBeUndefined();
        expect(await store.claimLine(line, 'b', 60_000)).toBe(true);
      });

      it('lets exactly one of many racing owners claim a line', async () => {
        const line = `mc:+12025550190:+447700900123:${Math.random()}`;
        const won = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimLine(line, `o${i}`, 60_000)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await store.lineOwner(line)).toBe(`o${won.indexOf(true)}`);
      });

      it('finds the owner among 1,000 claimed lines by the line alone', async () => {
        const tag = Math.random().toString(36).slice(2);
        await Promise.all(Array.from({ length: 1000 }, (_, i) => store.claimLine(`mc:${tag}:+4477009${String(i).padStart(5, '0')}`, `v${i}`, 60_000)));
        expect(await store.lineOwner(`mc:${tag}:+447700900777`)).toBe('v777');
        expect(await store.lineOwner(`mc:${tag}:+447700901000`)).toBeUndefined();
      });

      it('lets a claim lapse after its time to live', async () => {
        const line = `fc:ttl:${Math.random()}`;
        expect(await store.claimLine(line, 'a', 1_000)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 1_300));
        expect(await store.lineOwner(line)).toBeUndefined();
        expect(await store.claimLine(line, 'b', 60_000)).toBe(true);
      });
    });

    describe('SMS message index', () => {
      it('keeps who sent a message per gateway and id, with its token, until deleted', async () => {
        const id = randomBytes(4).toString('hex');
        await store.putSmsMessage('op', id, { owner: 'engine-a', tag: 'v1-2', token: 'tok' }, HOUR);
        await store.putSmsMessage('other', id, { owner: 'engine-b', tag: 'v9-1' }, HOUR);
        expect(await store.getSmsMessage('op', id)).toEqual({ owner: 'engine-a', tag: 'v1-2', token: 'tok' });
        expect(await store.getSmsMessage('other', id)).toEqual({ owner: 'engine-b', tag: 'v9-1' });
        expect(await store.getSmsMessage('op', `${id}x`)).toBeUndefined();
        await store.deleteSmsMessage('op', id);
        expect(await store.getSmsMessage('op', id)).toBeUndefined();
        expect(await store.getSmsMessage('other', id)).toEqual({ owner: 'engine-b', tag: 'v9-1' });
      });

      it('forgets a message after its time to live', async () => {
        const id = randomBytes(4).toString('hex');
        await store.putSmsMessage('op', id, { owner: 'engine-a', tag: 'v1-1' }, 1000);
        expect(await store.getSmsMessage('op', id)).toBeDefined();
        await new Promise((resolve) => setTimeout(resolve, 2100));
        expect(await store.getSmsMessage('op', id)).toBeUndefined();
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBe(true);
    });
  });
}
