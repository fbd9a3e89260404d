import pino from 'pino';
import { routeSchema, trunkSchema } from '../../../src/config/routing-schema';
import { AppError } from '../../../src/lib/errors';
import { applyOverrides, fieldOf, type OverrideKind, type RoutingOverride, type RoutingOverrideStore } from '../../../src/routing/overrides';
import { compileTable } from '../../../src/routing/route-table';
import { RoutingEditor } from '../../../src/routing/routing-editor';
import { lazyFacts } from '../../../src/routing/number-facts';

const trunks = [
  trunkSchema.parse({ name: 'carrier-a', callerIds: ['+442037691880'], cps: 5 }),
  trunkSchema.parse({ name: 'carrier-b', callerIds: ['+12025550181'] }),
];
const routes = [routeSchema.parse({ name: 'gb', match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-b'] }), routeSchema.parse({ match: { prefixes: ['+1'] }, trunks: ['carrier-b'] })];
const at = (kind: OverrideKind, name: string, body: object): RoutingOverride => ({ kind, name, body, updatedAt: 1, updatedBy: 'alice' });

/** The database table as a list (the SQL store runs in the e2e tests against SQLite). */
class ListStore implements RoutingOverrideStore {
  rows: RoutingOverride[] = [];
  async list() {
    return [...this.rows];
  }
  async put(o: RoutingOverride) {
    this.rows = [...this.rows.filter((r) => r.kind !== o.kind || r.name !== o.name), o];
  }
  async remove(kind: OverrideKind, name: string) {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => r.kind !== kind || r.name !== name);
    return this.rows.length < before;
  }
}

describe('routing overrides', () => {
  it('lays a trunk edit over the file: given fields replace, absent ones keep the file value', () => {
    const out = applyOverrides(trunks, routes, [at('trunk', 'carrier-a', { maxConcurrent: 3, cps: undefined })]);
    expect(out.problems).toEqual([]);
    expect(out.trunks[0]).toMatchObject({ name: 'carrier-a', maxConcurrent: 3, cps: 5, callerIds: ['+442037691880'] });
    expect(out.trunks[1]).toBe(trunks[1]);
  });

  it('names problems by trunk or route with the config schema messages, and the field for the form', () => {
    const pool = applyOverrides(trunks, routes, [at('trunk', 'carrier-a', { callerIds: ['12345'] })]);
    expect(pool.problems[0]).toMatch(/^trunks\.carrier-a\.callerIds\.0: must be an E\.164 number/);
    expect(fieldOf(pool.problems, 'trunk', 'carrier-a')).toBe('callerIds');
    const unknown = applyOverrides(trunks, routes, [at('route', 'gb', { trunks: ['carrier-z'] })]);
    expect(unknown.problems).toEqual(['routes.gb.trunks.0: unknown trunk "carrier-z"']);
    expect(fieldOf(unknown.problems, 'route', 'gb')).toBe('trunks');
    const unnamed = applyOverrides(trunks, routes, [at('route', 'routes.1', { trunks: ['carrier-b', 'carrier-b'] })]);
    expect(unnamed.problems).toEqual(['routes.routes.1.trunks.1: trunk "carrier-b" is listed twice']);
  });

  it('ignores an override whose trunk or route the file no longer has', () => {
    const out = applyOverrides(trunks, routes, [at('trunk', 'gone', { cps: 1 })]);
    expect([out.problems, out.stale, out.trunks]).toEqual([[], ['trunk gone'], trunks]);
  });

  it('leaves a drained trunk out of every route: the next trunk serves, or no route', () => {
    const drained = applyOverrides(trunks, routes, [at('trunk', 'carrier-a', { enabled: false })]);
    const table = compileTable(drained.trunks, drained.routes, 1000);
    expect(table.decide('+442079460123', 'call', lazyFacts('+442079460123'))?.trunks.map((t) => t.name)).toEqual(['carrier-b']);
    const both = applyOverrides(trunks, routes, [at('trunk', 'carrier-a', { enabled: false }), at('trunk', 'carrier-b', { enabled: false })]);
    expect(compileTable(both.trunks, both.routes, 1000).decide('+442079460123', 'call', lazyFacts('+442079460123'))).toBeUndefined();
  });
});

describe('RoutingEditor', () => {
  const logger = pino({ level: 'silent' });
  const make = (store: ListStore) => {
    const installed: Array<{ trunks: unknown[]; routes: unknown[] }> = [];
    const editor = new RoutingEditor({ trunks, routes }, store, (t, r) => (installed.push({ trunks: t, routes: r }), []), logger, () => 42);
    return { editor, installed };
  };

  it('stores and installs a valid edit, and refuses an invalid one without storing it', async () => {
    const store = new ListStore();
    const { editor, installed } = make(store);
    await editor.edit('trunk', 'carrier-b', { maxConcurrent: 9 }, 'alice');
    expect(store.rows).toEqual([{ kind: 'trunk', name: 'carrier-b', body: { maxConcurrent: 9 }, updatedAt: 42, updatedBy: 'alice' }]);
    expect(installed.at(-1)?.trunks[1]).toMatchObject({ maxConcurrent: 9 });
    const refused = await editor.edit('route', 'gb', { trunks: ['carrier-z'] }, 'alice').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('ROUTING_EDIT_INVALID');
    expect(store.rows).toHaveLength(1);
    const missing = await editor.edit('trunk', 'nope', {}, 'alice').catch((e: unknown) => (e as AppError).code);
    expect(missing).toBe('ROUTING_TARGET_NOT_FOUND');
  });

  it("picks up another engine's edit on refresh, once", async () => {
    const store = new ListStore();
    const { editor, installed } = make(store);
    const other = make(store).editor;
    await other.edit('route', 'gb', { trunks: ['carrier-b', 'carrier-a'] }, 'bob');
    await editor.refresh();
    expect(installed).toHaveLength(1);
    expect(installed[0]?.routes[0]).toMatchObject({ trunks: ['carrier-b', 'carrier-a'] });
    await editor.refresh();
    expect(installed).toHaveLength(1);
    expect(await other.reset('route', 'gb')).toBe(true);
    await editor.refresh();
    expect(installed.at(-1)?.routes[0]).toMatchObject({ trunks: ['carrier-a', 'carrier-b'] });
  });

  it('refuses edits without a database', async () => {
    const editor = new RoutingEditor({ trunks, routes }, undefined, () => [], logger, () => 0);
    expect(editor.editable).toBe(false);
    expect(await editor.edit('trunk', 'carrier-a', { cps: 1 }, 'x').catch((e: unknown) => (e as AppError).code)).toBe('HISTORY_UNAVAILABLE');
  });
});
