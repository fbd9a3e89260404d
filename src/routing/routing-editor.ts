import type { Logger } from 'pino';
import type { RouteConfig, TrunkConfig } from '../config/routing-schema';
import { AppError } from '../lib/errors';
import { applyOverrides, fieldOf, routeName, type Applied, type OverrideKind, type RouteEdit, type RoutingOverride, type RoutingOverrideStore, type TrunkEdit } from './overrides';

/** Installs trunks and routes on this engine; returns the problems that refused them (empty: installed). */
export type InstallRouting = (trunks: TrunkConfig[], routes: RouteConfig[]) => string[];

export interface RoutingFile {
  trunks: readonly TrunkConfig[];
  routes: readonly RouteConfig[];
}

/**
 * The override layer of one engine: the configuration file's trunks and routes (replaced on
 * reload), the admins' edits from the database laid over them, and the poll that brings other
 * engines' edits here. An edit is checked against the file with every other edit, stored, then
 * installed at once; a bad edit changes nothing anywhere.
 */
export class RoutingEditor {
  private overrides: RoutingOverride[] = [];
  private seen = '[]';

  constructor(
    private file: RoutingFile,
    private readonly store: RoutingOverrideStore | undefined,
    private readonly install: InstallRouting,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Edits can be kept (the history database is on). */
  get editable(): boolean {
    return this.store !== undefined;
  }

  /** The file's routing with the overrides in force laid over it. */
  merged(file: RoutingFile = this.file): Applied {
    return applyOverrides(file.trunks, file.routes, this.overrides);
  }

  /** A new file (reload): what to install, the overrides laid over it when they still fit. */
  withFile(file: RoutingFile): { trunks: TrunkConfig[]; routes: RouteConfig[] } {
    const applied = this.merged(file);
    this.file = file;
    if (applied.problems.length === 0) return applied;
    this.logger.warn({ problems: applied.problems }, 'routing overrides do not fit the configuration file; the file alone is in force');
    return { trunks: [...file.trunks], routes: [...file.routes] };
  }

  /** Reads the overrides and installs them when they changed (start, and every few seconds for other engines' edits). */
  async refresh(): Promise<void> {
    if (!this.store) return;
    const list = await this.store.list();
    const json = fingerprint(list);
    if (json === this.seen) return;
    this.seen = json;
    this.overrides = list;
    const applied = this.merged();
    if (applied.stale.length) this.logger.warn({ stale: applied.stale }, 'routing overrides name trunks or routes the configuration file lacks; ignored');
    const problems = applied.problems.length ? applied.problems : this.install(applied.trunks, applied.routes);
    if (problems.length) {
      this.logger.warn({ problems }, 'routing overrides refused; the file alone is in force');
      this.install([...this.file.trunks], [...this.file.routes]);
    } else this.logger.info({ overrides: list.length }, 'routing overrides applied');
  }

  /** Sets the override of one trunk or route: ROUTING_TARGET_NOT_FOUND, ROUTING_EDIT_INVALID (with `field`), HISTORY_UNAVAILABLE. */
  async edit(kind: 'trunk', name: string, body: TrunkEdit, actor: string): Promise<RoutingOverride>;
  async edit(kind: 'route', name: string, body: RouteEdit, actor: string): Promise<RoutingOverride>;
  async edit(kind: OverrideKind, name: string, body: TrunkEdit | RouteEdit, actor: string): Promise<RoutingOverride> {
    const store = this.requireStore();
    this.requireTarget(kind, name);
    const override: RoutingOverride = { kind, name, body, updatedAt: this.now(), updatedBy: actor };
    await this.commit([...this.overrides.filter((o) => o.kind !== kind || o.name !== name), override], kind, name, () => store.put(override));
    return override;
  }

  /** Drops the override of one trunk or route: the file's values are in force again. */
  async reset(kind: OverrideKind, name: string): Promise<boolean> {
    const store = this.requireStore();
    this.requireTarget(kind, name);
    let removed = false;
    await this.commit(
      this.overrides.filter((o) => o.kind !== kind || o.name !== name),
      kind,
      name,
      async () => {
        removed = await store.remove(kind, name);
      },
    );
    return removed;
  }

  /** What GET /v1/admin/routing shows: the file's trunks and routes, the overrides, the merged result. */
  view(): { trunks: TrunkConfig[]; routes: Array<RouteConfig & { name: string }>; overrides: RoutingOverride[] } {
    const applied = this.merged();
    return { trunks: applied.trunks, routes: applied.routes.map((r, i) => ({ ...r, name: routeName(r, i) })), overrides: this.overrides };
  }

  private async commit(next: RoutingOverride[], kind: OverrideKind, name: string, persist: () => Promise<void>): Promise<void> {
    const applied = applyOverrides(this.file.trunks, this.file.routes, next);
    if (applied.problems.length) throw new AppError('ROUTING_EDIT_INVALID', { details: { field: fieldOf(applied.problems, kind, name), problems: applied.problems } });
    await persist().catch((err: unknown) => {
      this.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not store a routing override');
      throw new AppError('HISTORY_UNAVAILABLE');
    });
    const problems = this.install(applied.trunks, applied.routes);
    if (problems.length) this.logger.warn({ problems }, 'stored routing override not installed here');
    this.overrides = next;
    this.seen = fingerprint(next);
  }

  private requireStore(): RoutingOverrideStore {
    if (!this.store) throw new AppError('HISTORY_UNAVAILABLE', { details: { reason: 'routing edits are kept in the history database (history.url)' } });
    return this.store;
  }

  private requireTarget(kind: OverrideKind, name: string): void {
    const found = kind === 'trunk' ? this.file.trunks.some((t) => t.name === name) : this.file.routes.some((r, i) => routeName(r, i) === name);
    if (!found) throw new AppError('ROUTING_TARGET_NOT_FOUND', { details: { [kind]: name } });
  }
}

/** The overrides as one string, in one order whatever the database's collation. */
function fingerprint(list: readonly RoutingOverride[]): string {
  const key = (o: RoutingOverride) => `${o.kind}\u0000${o.name}`;
  return JSON.stringify([...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map((o) => [o.kind, o.name, o.body]));
}
