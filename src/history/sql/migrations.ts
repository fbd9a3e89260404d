import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Versioned migrations, in code (not a folder scan) so the compiled dist/ carries them. Names sort
 * in order; a migration, once released, never changes: add the next one instead. Both dialects run
 * the same statements (bigint is a 64-bit integer in each).
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_verifications_attempts_webhooks': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('verifications')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('v', 'bigint', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('number', 'varchar(80)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)')
        .addColumn('number_type', 'varchar(32)')
        .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
        .addColumn('workflow', 'varchar(64)', (c) => c.notNull())
        .addColumn('channel', 'varchar(16)', (c) => c.notNull())
        .addColumn('lang', 'varchar(20)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('reason', 'varchar(32)')
        .addColumn('ended_by', 'varchar(16)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('verifications_created').ifNotExists().on('verifications').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('verifications_key_created').ifNotExists().on('verifications').columns(['key_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('verifications_number').ifNotExists().on('verifications').columns(['number', 'created_at']).execute();

      await db.schema
        .createTable('attempts')
        .ifNotExists()
        .addColumn('verification_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('v', 'bigint', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('country', 'varchar(2)')
        .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
        .addColumn('channel', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('result', 'varchar(32)')
        .addColumn('outcome', 'varchar(16)')
        .addColumn('node', 'varchar(200)')
        .addColumn('trunk', 'varchar(64)')
        .addColumn('caller_id', 'varchar(20)')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ringing_at', 'bigint')
        .addColumn('answered_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('billsec', 'integer')
        .addColumn('sip_status', 'integer')
        .addColumn('q850', 'integer')
        .addColumn('cause_text', 'varchar(100)')
        .addColumn('gate', 'varchar(16)')
        .addColumn('dtmf', 'varchar(16)')
        .addColumn('sms_parts', 'integer')
        .addColumn('sms_status', 'varchar(32)')
        .addPrimaryKeyConstraint('attempts_pk', ['verification_id', 'n'])
        .execute();
      await db.schema.createIndex('attempts_created').ifNotExists().on('attempts').columns(['created_at', 'verification_id', 'n']).execute();

      await db.schema
        .createTable('webhook_deliveries')
        .ifNotExists()
        .addColumn('webhook_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('attempt_no', 'integer', (c) => c.notNull())
        .addColumn('verification_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('type', 'varchar(40)', (c) => c.notNull())
        .addColumn('url_host', 'varchar(255)', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('result', 'varchar(16)', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_deliveries_pk', ['webhook_id', 'attempt_no'])
        .execute();
      await db.schema.createIndex('webhook_deliveries_verification').ifNotExists().on('webhook_deliveries').columns(['verification_id']).execute();
      await db.schema.createIndex('webhook_deliveries_at').ifNotExists().on('webhook_deliveries').columns(['at']).execute();
    },
  },
  '002_cost': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('attempts').addColumn('cost_micros', 'bigint').execute();
      await db.schema.alterTable('attempts').addColumn('currency', 'varchar(3)').execute();
      await db.schema
        .createTable('rates')
        .ifNotExists()
        .addColumn('trunk', 'varchar(64)', (c) => c.notNull())
        .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
        .addColumn('rate_per_min_micros', 'bigint', (c) => c.notNull())
        .addColumn('first_increment', 'integer', (c) => c.notNull())
        .addColumn('next_increment', 'integer', (c) => c.notNull())
        .addColumn('connection_fee_micros', 'bigint', (c) => c.notNull())
        .addColumn('sms_price_micros', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('valid_from', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rates_pk', ['trunk', 'prefix', 'valid_from'])
        .execute();
    },
  },
  '003_amd': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('attempts').addColumn('amd', 'varchar(16)').execute();
      await db.schema.alterTable('attempts').addColumn('amd_cause', 'varchar(100)').execute();
    },
  },
  '004_attempt_detail': {
    // The detail GET /v1/verifications/{id} shows from the history: the SMS gateway and encoding
    // (parts and status were there), and the trunks that refused before the one that carried the
    // call (failover within an attempt), as JSON text.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('attempts').addColumn('sms_gateway', 'varchar(32)').execute();
      await db.schema.alterTable('attempts').addColumn('sms_encoding', 'varchar(8)').execute();
      await db.schema.alterTable('attempts').addColumn('failover', 'text').execute();
    },
  },
  '005_console': {
    // The operator console (src/console): accounts, the audit log, keys made in the console.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('operators')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createTable('audit_log')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'varchar(64)', (c) => c.notNull())
        .addColumn('action', 'varchar(64)', (c) => c.notNull())
        .addColumn('target', 'varchar(200)')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('detail', 'varchar(1000)')
        .execute();
      await db.schema.createIndex('audit_log_at').ifNotExists().on('audit_log').columns(['at', 'id']).execute();
      await db.schema
        .createTable('console_keys')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('secret_digest', 'varchar(64)', (c) => c.notNull())
        .addColumn('channels', 'varchar(100)', (c) => c.notNull())
        .addColumn('admin', 'integer', (c) => c.notNull())
        .addColumn('reports', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '006_rollup': {
    // The conversion roll-up and its dirty marks (src/history/sql/rollup.ts), and an index for
    // the search by status. Every (day, key)
    // already in the history starts dirty, so the first report of a range builds its rows.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('conversion_rollup')
        .ifNotExists()
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('channel', 'varchar(16)', (c) => c.notNull())
        .addColumn('trunk', 'varchar(64)', (c) => c.notNull())
        .addColumn('started', 'bigint', (c) => c.notNull())
        .addColumn('delivered', 'bigint', (c) => c.notNull())
        .addColumn('verified', 'bigint', (c) => c.notNull())
        .addColumn('cost_micros', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)')
        .addColumn('ttv_hist', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversion_rollup_pk', ['day', 'key_id', 'country', 'channel', 'trunk'])
        .execute();
      await db.schema
        .createTable('rollup_dirty')
        .ifNotExists()
        .addColumn('day', 'varchar(10)', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('gen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollup_dirty_pk', ['day', 'key_id'])
        .execute();
      // The console's search by status over a range (newest first) scanned the time index and
      // filtered: a rare status read most of the range. Number and key have their indexes (001).
      await db.schema.createIndex('verifications_status_created').ifNotExists().on('verifications').columns(['status', 'created_at', 'id']).execute();
      // integer division by a day is the UTC day number in both dialects (times are positive)
      const { rows } = await sql<{ key_id: string; d: number | string }>`select distinct key_id, created_at / 86400000 as d from verifications`.execute(db);
      const marks = rows.map((r) => ({ day: new Date(Number(r.d) * 86_400_000).toISOString().slice(0, 10), key_id: r.key_id, gen: 1 }));
      for (let i = 0; i < marks.length; i += 200) {
        await sql`insert into rollup_dirty (day, key_id, gen) values ${sql.join(marks.slice(i, i + 200).map((m) => sql`(${m.day}, ${m.key_id}, ${m.gen})`))}`.execute(db);
      }
      },
    },
  '007_routing_overrides': {
    // Trunk and route edits made by admins (console or admin API), laid over the configuration
    // file's routing (src/routing/overrides.ts); every engine on the database polls them.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('routing_overrides')
        .ifNotExists()
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('body', 'varchar(4000)', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('routing_overrides_pk', ['kind', 'name'])
        .execute();
    },
  },
};

/** The newest schema version this build knows. */
export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) as string;

/** Kysely's migrator reads migrations from here. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
