import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openHistory, parseHistoryUrl } from '../../src/history/open';
import { LATEST_MIGRATION, MIGRATIONS } from '../../src/history/sql/migrations';
import { runCli } from '../support/engine-process';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';

const ALL = Object.keys(MIGRATIONS).sort();
const PREVIOUS = ALL.at(-2) as string;

/** A history database at the schema of the previous version (every migration but the newest). */
async function atPreviousVersion(url: string): Promise<void> {
  const history = openHistory(parseHistoryUrl(url, process.cwd()) as Exclude<ReturnType<typeof parseHistoryUrl>, { kind: 'off' }>);
  try {
    expect((await history.migrate(PREVIOUS)).applied).toEqual(ALL.slice(0, -1));
  } finally {
    await history.close();
  }
}

/** `pbxverify migrate` (issue 13): from an empty database and from the previous version, on SQLite and PostgreSQL, idempotent. */
describe('pbxverify migrate (CLI)', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60_000);
  afterAll(async () => server?.stop());

  const database = async (name: string): Promise<string> => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    return server.url.replace(/\/postgres$/, `/${name}`);
  };
  const sqlite = (): string => `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-migrate-')), 'history.db')}`;

  it.each([
    ['SQLite', async () => sqlite()],
    ['PostgreSQL', async () => database('migrate_empty')],
  ])('migrates an empty %s database to the newest schema, then has nothing to do', async (_kind, make) => {
    const url = await make();
    const first = await runCli(['migrate'], { PBXVERIFY_HISTORY: url });
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toContain(`applied: ${ALL.join(', ')}\n`);
    expect(first.stdout).toContain(`schema ${LATEST_MIGRATION}\n`);
    const again = await runCli(['migrate'], { PBXVERIFY_HISTORY: url });
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining('schema up to date\n')]);
  });

  it.each([
    ['SQLite', async () => sqlite()],
    ['PostgreSQL', async () => database('migrate_previous')],
  ])('migrates a %s database of the previous version by the newest migration only', async (_kind, make) => {
    const url = await make();
    await atPreviousVersion(url);
    const res = await runCli(['migrate'], { PBXVERIFY_HISTORY: url });
    expect([res.code, res.stderr]).toEqual([0, '']);
    expect(res.stdout).toContain(`applied: ${LATEST_MIGRATION}\n`);
    expect(res.stdout).toContain(`schema ${LATEST_MIGRATION}\n`);
  });
});
