import { resolve } from 'node:path';
import { openPostgresHistory } from './postgres/open-postgres';
import type { SqlHistory } from './sql/sql-history';
import { openSqliteHistory } from './sqlite/open-sqlite';

/** `sqlite:<file>`, `postgres://…` (or `postgresql://…`), or `off`. */
export type HistoryTarget = { kind: 'off' } | { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function parseHistoryUrl(url: string, cwd: string): HistoryTarget {
  if (url === 'off') return { kind: 'off' };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new Error('history: sqlite: needs a file, e.g. sqlite:./data/pbxverify.db');
    return { kind: 'sqlite', file: file === ':memory:' ? file : resolve(cwd, file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new Error('history: must be "off", sqlite:<file> or postgres://…');
}

/** Opens the history database a target names (not migrated yet). */
export function openHistory(target: Exclude<HistoryTarget, { kind: 'off' }>, opts: { onError?: (err: Error) => void; poolSize?: number; sqliteCacheMb?: number } = {}): SqlHistory {
  const { sqliteCacheMb, ...pgOpts } = opts;
  if (target.kind === 'sqlite') return openSqliteHistory(target.file, sqliteCacheMb === undefined ? {} : { cacheMb: sqliteCacheMb });
  return openPostgresHistory({ url: target.url, ...pgOpts });
}
