import { z } from 'zod';

/** `history.*`: where verifications, attempts (CDRs) and webhook deliveries are kept after they end. */
export const historySchema = z
  .object({
    /** `sqlite:<file>` (embedded, default), `postgres://user:pass@host:5432/db`, or `off`. */
    url: z
      .string()
      .regex(/^(off|sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be "off", sqlite:<file> or postgres://…')
      .default('sqlite:./data/pbxverify.db'),
    /** How numbers are stored: `hashed` (HMAC with the engine secret; default), `masked`, or `full`. */
    numbers: z.enum(['full', 'masked', 'hashed']).default('hashed'),
    /** Digits of the number (after +) kept in clear for grouping and the fraud guard. */
    prefixDigits: z.number().int().min(1).max(8).default(5),
    /** History older than this is purged. */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    /** How often the purge runs (minutes) and how many verifications it deletes per transaction. */
    purgeEveryMinutes: z.number().int().min(1).max(1440).default(60),
    purgeBatch: z.number().int().min(10).max(10_000).default(500),
    /** Events per write transaction, and how often the writer looks at the outbox. */
    batchSize: z.number().int().min(1).max(5000).default(500),
    writerPollMs: z.number().int().min(10).max(60_000).default(200),
    /** PostgreSQL connections per engine. */
    poolSize: z.number().int().min(1).max(100).default(4),
    /** In-process outbox bound (memory store): beyond it the oldest events are dropped and counted. */
    maxMemoryBacklog: z.number().int().min(1000).max(50_000_000).default(1_000_000),
    /** Entries another engine claimed and did not write for this long are taken over (Redis store). */
    claimLeaseMs: z.number().int().min(1000).max(600_000).default(30_000),
    /** Largest page of GET /v1/verifications. */
    maxPageSize: z.number().int().min(10).max(1000).default(200),
  })
  .prefault({});

export type HistoryConfig = z.infer<typeof historySchema>;
