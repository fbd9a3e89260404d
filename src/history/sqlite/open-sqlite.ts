import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { HistoryDatabase } from '../sql/schema';
import { SqlHistory } from '../sql/sql-history';
import { withStatementCache } from './statement-cache';

/**
 * The embedded history: one SQLite file in WAL mode (readers never block the writer; the
 * engine's writer loop is the only writer of its file). better-sqlite3 is synchronous, so the
 * writer keeps its batches small.
 */
export function openSqliteHistory(file: string, opts: { cacheMb?: number } = {}): SqlHistory {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  // a bulk fill (scripts/history-generate.ts) keeps the random-keyed indexes in memory; SQLite's default is 2 MiB
  if (opts.cacheMb !== undefined) database.pragma(`cache_size = -${Math.round(opts.cacheMb * 1024)}`);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Several processes may open the file (CLI report while the engine writes).
  database.pragma('busy_timeout = 5000');
  return new SqlHistory(new Kysely<HistoryDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), 'sqlite');
}
