import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { HistoryDatabase } from '../sql/schema';
import { SqlHistory } from '../sql/sql-history';

export interface PostgresOptions {
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** How long acquiring a connection may take before the query fails (a database outage). */
  connectTimeoutMs?: number;
  /** Called with pool errors (a server that went away); they never crash the engine. */
  onError?: (err: Error) => void;
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * The production history: PostgreSQL through a pg pool. 64-bit integers and numerics come back
 * as JS numbers (epoch ms and micro-unit sums stay far below 2^53). Several engines may share
 * one database: writes are idempotent upserts and migrations take Kysely's lock.
 */
export function openPostgresHistory(opts: PostgresOptions): SqlHistory {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format) as unknown;
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose server went away emits 'error' on the pool: never let it crash us.
  pool.on('error', (err) => opts.onError?.(err));
  // A checked-out client whose server dies between queries emits 'error' too (no pool listener then).
  pool.on('connect', (client) => client.on('error', (err) => opts.onError?.(err)));
  return new SqlHistory(new Kysely<HistoryDatabase>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
}
