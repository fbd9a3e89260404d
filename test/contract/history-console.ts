/**
 * The console's part of the History contract (operators, audit log, console keys), run against
 * SQLite and PostgreSQL by test/contract/history.ts.
 */
import type { Operator } from '../../src/console/port';
import type { SqlHistory } from '../../src/history/sql/sql-history';

const T0 = Date.UTC(2026, 10, 1, 12);

function operator(over: Partial<Operator> = {}): Operator {
  return { id: 'op-1', username: 'alice', role: 'admin', passwordHash: 'scrypt$x', createdAt: T0, disabled: false, failedLogins: 0, lockedUntil: 0, sessionVersion: 1, ...over };
}

export function consoleStoreCases(current: () => SqlHistory): void {
  describe('console store', () => {
    it('keeps operators, refuses a user name twice, counts wrong passwords and locks', async () => {
      const store = current().console;
      expect(await store.countOperators()).toBe(0);
      await store.addOperator(operator());
      await store.addOperator(operator({ id: 'op-2', username: 'bob', role: 'viewer' }));
      // Not `.rejects.toThrow()`: better-sqlite3's native addon keeps the SqliteError class of the
      // first test file that loaded it in this jest worker, so its errors fail `instanceof Error`
      // here when another file ran first (it passed alone and failed in full runs).
      const refused = await store.addOperator(operator({ id: 'op-3' })).then(() => undefined, (err: unknown) => err);
      expect(refused).toMatchObject({ message: expect.stringMatching(/unique|duplicate/i) });
      expect(await store.countOperators()).toBe(2);
      expect((await store.findOperator('alice'))?.role).toBe('admin');
      expect(await store.findOperator('nobody')).toBeUndefined();
      expect(await store.loginFailed('op-1', undefined)).toBe(1);
      expect(await store.loginFailed('op-1', T0 + 900_000)).toBe(2);
      expect(await store.getOperator('op-1')).toMatchObject({ failedLogins: 2, lockedUntil: T0 + 900_000 });
      await store.loginSucceeded('op-1');
      expect(await store.getOperator('op-1')).toMatchObject({ failedLogins: 0, lockedUntil: 0 });
      await store.updateOperator('op-2', { role: 'operator', disabled: true });
      expect(await store.getOperator('op-2')).toMatchObject({ role: 'operator', disabled: true, sessionVersion: 2 });
      expect((await store.listOperators()).map((o) => o.username)).toEqual(['alice', 'bob']);
    });

    it('keeps the audit log newest first, paged by time', async () => {
      const store = current().console;
      for (let i = 0; i < 5; i++) await store.audit({ id: `a${i}`, at: T0 + i, actor: 'alice', action: 'key.create', target: `k${i}`, status: 200, detail: null });
      expect((await store.auditLog(2)).map((e) => e.id)).toEqual(['a4', 'a3']);
      expect((await store.auditLog(10, T0 + 2)).map((e) => e.id)).toEqual(['a1', 'a0']);
      expect((await store.auditLog(1))[0]).toEqual({ id: 'a4', at: T0 + 4, actor: 'alice', action: 'key.create', target: 'k4', status: 200, detail: null });
    });

    it('filters the audit log by actor, action prefix and time, and pages rows of the same time by id', async () => {
      const store = current().console;
      const rows = [
        { id: 'b1', at: T0, actor: 'alice', action: 'login', target: null },
        { id: 'b2', at: T0, actor: 'alice', action: 'login.failed', target: null },
        { id: 'b3', at: T0, actor: 'bob', action: 'login_x', target: null },
        { id: 'b4', at: T0 + 1, actor: 'key:ops', action: 'routing.trunk.edit', target: 'carrier-a' },
      ];
      for (const r of rows) await store.audit({ ...r, status: 200, detail: null });
      expect((await store.auditLog(10, undefined, { actor: 'alice' })).map((e) => e.id)).toEqual(['b2', 'b1']);
      // a prefix, not a LIKE pattern: `_` is no wildcard
      expect((await store.auditLog(10, undefined, { action: 'login' })).map((e) => e.id)).toEqual(['b3', 'b2', 'b1']);
      expect((await store.auditLog(10, undefined, { action: 'login.' })).map((e) => e.id)).toEqual(['b2']);
      expect((await store.auditLog(10, undefined, { action: 'login_' })).map((e) => e.id)).toEqual(['b3']);
      expect((await store.auditLog(10, undefined, { since: T0 + 1 })).map((e) => e.id)).toEqual(['b4']);
      const first = await store.auditLog(2);
      expect(first.map((e) => e.id)).toEqual(['b4', 'b3']);
      const last = first.at(-1);
      expect((await store.auditLog(10, last?.at, { beforeId: last?.id })).map((e) => e.id)).toEqual(['b2', 'b1']);
    });

    it('keeps routing overrides, one per trunk or route, replaced and removed', async () => {
      const store = current().routingOverrides;
      await store.put({ kind: 'trunk', name: 'carrier-a', body: { maxConcurrent: 3 }, updatedAt: T0, updatedBy: 'alice' });
      await store.put({ kind: 'trunk', name: 'carrier-a', body: { enabled: false }, updatedAt: T0 + 1, updatedBy: 'bob' });
      await store.put({ kind: 'route', name: 'routes.0', body: { trunks: ['carrier-b', { name: 'carrier-a', weight: 2 }] }, updatedAt: T0 + 2, updatedBy: 'key:ops' });
      expect(await store.list()).toEqual([
        { kind: 'route', name: 'routes.0', body: { trunks: ['carrier-b', { name: 'carrier-a', weight: 2 }] }, updatedAt: T0 + 2, updatedBy: 'key:ops' },
        { kind: 'trunk', name: 'carrier-a', body: { enabled: false }, updatedAt: T0 + 1, updatedBy: 'bob' },
      ]);
      expect(await store.remove('trunk', 'carrier-a')).toBe(true);
      expect(await store.remove('trunk', 'carrier-a')).toBe(false);
      expect((await store.list()).map((o) => o.name)).toEqual(['routes.0']);
    });

    it('keeps console keys as digests and revokes once', async () => {
      const store = current().console;
      const key = { id: 'k1', name: 'shop', secretDigest: 'ab'.repeat(32), channels: ['call', 'sms'], admin: false, reports: true, createdAt: T0, createdBy: 'alice', revokedAt: null };
      await store.addKey(key);
      expect(await store.keys()).toEqual([key]);
      expect(await store.revokeKey('k1', T0 + 5)).toBe(true);
      expect(await store.revokeKey('k1', T0 + 6)).toBe(false);
      expect(await store.revokeKey('nope', T0 + 6)).toBe(false);
      expect((await store.keys())[0]?.revokedAt).toBe(T0 + 5);
    });
  });
}
