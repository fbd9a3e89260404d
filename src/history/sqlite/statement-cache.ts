import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Write statements kept prepared (the writer's upserts come in a few shapes: 1–50 rows per table). */
const MAX_STATEMENTS = 200;

/**
 * The database as Kysely's SQLite dialect sees it, with write statements prepared once per SQL
 * text and reused: Kysely's driver prepares every query anew, and preparing a 50-row upsert cost
 * the history writer about a fifth of its time under load (docs/benchmarks.md). Only statements
 * that return no rows are kept: a reader may still be iterating when the same SQL comes again
 * (better-sqlite3 refuses to run a busy statement), a writer runs to its end at once. SQLite
 * re-prepares a kept statement by itself when the schema changes.
 */
export function withStatementCache(database: SqliteDatabase, max = MAX_STATEMENTS): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => {
      kept.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = kept.get(sql);
      if (hit) {
        // most recently used last, so the least recently used goes first
        kept.delete(sql);
        kept.set(sql, hit);
        return hit;
      }
      const statement = database.prepare(sql);
      if (statement.reader) return statement;
      if (kept.size >= max) kept.delete(kept.keys().next().value as string);
      kept.set(sql, statement);
      return statement;
    },
  };
}
