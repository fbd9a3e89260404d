/**
 * The Store port contract for idempotency keys (part of storeContract: memory and a real redis-server).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/port';

const LEASE = 60_000;
const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

function key(): string {
  // printable ASCII, including the characters a store might use as separators
  return `order|42:${randomBytes(6).toString('hex')} \u007e`;
}

function token(): string {
  return randomBytes(8).toString('hex');
}

export function idempotencyContract(getStore: () => Store): void {
  describe('idempotency keys', () => {
    let store: Store;
    beforeAll(() => {
      store = getStore();
    });

    it('reserves a free key, then reports it in flight with the holder’s fingerprint', async () => {
      const k = key();
      const first = token();
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp-a', token: first, now: T0, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp-b', token: token(), now: T0 + 1, leaseMs: LEASE })).resolves.toEqual({
        state: 'in-flight',
        fingerprint: 'fp-a',
      });
      await expect(store.getIdempotency('k1', k, T0 + 1)).resolves.toEqual({ state: 'in-flight', fingerprint: 'fp-a' });
    });

    it('keeps a completed response for its time to live and hands it to every later reserve', async () => {
      const k = key();
      const t = token();
      const response = `{"status":201,"body":"line one\nline two"}`;
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: t, now: T0, leaseMs: LEASE });
      await expect(store.completeIdempotency('k1', k, { fingerprint: 'fp', token: t, response, now: T0 + 10, ttlMs: DAY })).resolves.toBe(true);
      const done = { state: 'done', fingerprint: 'fp', response };
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'other', token: token(), now: T0 + 20, leaseMs: LEASE })).resolves.toEqual(done);
      await expect(store.getIdempotency('k1', k, T0 + DAY)).resolves.toEqual(done);
      // a day later the key is free again
      await expect(store.getIdempotency('k1', k, T0 + 10 + DAY)).resolves.toBeUndefined();
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: token(), now: T0 + 10 + DAY, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
    });

    it('keeps keys of different scopes (API keys) apart', async () => {
      const k = key();
      const t = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp-1', token: t, now: T0, leaseMs: LEASE });
      await store.completeIdempotency('k1', k, { fingerprint: 'fp-1', token: t, response: 'one', now: T0, ttlMs: DAY });
      await expect(store.getIdempotency('k2', k, T0)).resolves.toBeUndefined();
      await expect(store.reserveIdempotency('k2', k, { fingerprint: 'fp-2', token: token(), now: T0, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
      await expect(store.getIdempotency('k1', k, T0)).resolves.toEqual({ state: 'done', fingerprint: 'fp-1', response: 'one' });
    });

    it('lets a new request take over once the holder’s lease ran out (an engine that died mid-request)', async () => {
      const k = key();
      const dead = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: dead, now: T0, leaseMs: LEASE });
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: token(), now: T0 + LEASE - 1, leaseMs: LEASE })).resolves.toMatchObject({
        state: 'in-flight',
      });
      await expect(store.getIdempotency('k1', k, T0 + LEASE)).resolves.toBeUndefined();
      const next = token();
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: next, now: T0 + LEASE, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
      // the engine that lost its lease comes back: its result must not overwrite the new holder
      await expect(store.completeIdempotency('k1', k, { fingerprint: 'fp', token: dead, response: 'late', now: T0 + LEASE + 5, ttlMs: DAY })).resolves.toBe(false);
      await expect(store.completeIdempotency('k1', k, { fingerprint: 'fp', token: next, response: 'kept', now: T0 + LEASE + 6, ttlMs: DAY })).resolves.toBe(true);
      await expect(store.getIdempotency('k1', k, T0 + LEASE + 7)).resolves.toEqual({ state: 'done', fingerprint: 'fp', response: 'kept' });
    });

    it('stores a result whose lease ran out when nobody took the key over', async () => {
      const k = key();
      const slow = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: slow, now: T0, leaseMs: LEASE });
      await expect(store.completeIdempotency('k1', k, { fingerprint: 'fp', token: slow, response: 'slow', now: T0 + LEASE + 1, ttlMs: DAY })).resolves.toBe(true);
      await expect(store.getIdempotency('k1', k, T0 + LEASE + 2)).resolves.toEqual({ state: 'done', fingerprint: 'fp', response: 'slow' });
    });

    it('frees a key on release by its holder only', async () => {
      const k = key();
      const holder = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: holder, now: T0, leaseMs: LEASE });
      await store.releaseIdempotency('k1', k, token());
      await expect(store.getIdempotency('k1', k, T0)).resolves.toMatchObject({ state: 'in-flight' });
      await store.releaseIdempotency('k1', k, holder);
      await expect(store.getIdempotency('k1', k, T0)).resolves.toBeUndefined();
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp2', token: token(), now: T0, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
    });

    it('never releases a completed key', async () => {
      const k = key();
      const t = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: t, now: T0, leaseMs: LEASE });
      await store.completeIdempotency('k1', k, { fingerprint: 'fp', token: t, response: 'r', now: T0, ttlMs: DAY });
      await store.releaseIdempotency('k1', k, t);
      await expect(store.getIdempotency('k1', k, T0)).resolves.toMatchObject({ state: 'done', response: 'r' });
    });

    it('answers a reserve repeated with the same token as reserved (a command sent again after a reconnect)', async () => {
      const k = key();
      const t = token();
      await store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: t, now: T0, leaseMs: LEASE });
      await expect(store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: t, now: T0 + 1, leaseMs: LEASE })).resolves.toEqual({ state: 'reserved' });
    });

    it('gives a key to exactly one of many racing requests', async () => {
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.reserveIdempotency('k1', k, { fingerprint: 'fp', token: token(), now: T0, leaseMs: LEASE })),
      );
      expect(results.filter((r) => r.state === 'reserved')).toHaveLength(1);
      expect(results.filter((r) => r.state === 'in-flight')).toHaveLength(9);
    });

    it('answers undefined for a key never used', async () => {
      await expect(store.getIdempotency('k1', key(), T0)).resolves.toBeUndefined();
    });
  });
}
