import type { Kysely } from 'kysely';
import type { OverrideKind, RouteEdit, RoutingOverride, RoutingOverrideStore, TrunkEdit } from '../../routing/overrides';
import type { HistoryDatabase } from './schema';

/** Admins' trunk and route edits in the history database (migration 007; one query set for both dialects). */
export class SqlRoutingOverrideStore implements RoutingOverrideStore {
  constructor(private readonly db: Kysely<HistoryDatabase>) {}

  async list(): Promise<RoutingOverride[]> {
    const rows = await this.db.selectFrom('routing_overrides').selectAll().orderBy('kind').orderBy('name').execute();
    return rows.map((r) => ({ kind: r.kind as OverrideKind, name: r.name, body: JSON.parse(r.body) as TrunkEdit | RouteEdit, updatedAt: Number(r.updated_at), updatedBy: r.updated_by }));
  }

  async put(o: RoutingOverride): Promise<void> {
    const row = { kind: o.kind, name: o.name, body: JSON.stringify(o.body), updated_at: o.updatedAt, updated_by: o.updatedBy };
    await this.db
      .insertInto('routing_overrides')
      .values(row)
      .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet({ body: row.body, updated_at: row.updated_at, updated_by: row.updated_by }))
      .execute();
  }

  async remove(kind: OverrideKind, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('routing_overrides').where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
