import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

export interface PostgresServer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  /** Data directory (kept across stopProcess/start). */
  dir: string;
  /** Fast shutdown; the data stays for {@link start}. */
  stopProcess(): Promise<void>;
  /** Starts the server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** Debian's initdb/pg_ctl (not on PATH). One clear line when the package is missing. */
export function postgresBinDir(): string {
  for (const dir of BIN_DIRS) if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found.replace(/\/initdb$/, '');
  throw new Error('PostgreSQL server not found (initdb): install the Debian package `postgresql` (apt-get install postgresql); .ci/run does');
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` OS user. */
function runAs(command: string, args: string[]): { ok: boolean; output: string } {
  const root = process.getuid?.() === 0;
  const result = root ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' }) : spawnSync(command, args, { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

function postgresUid(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('PostgreSQL tests as root need the `postgres` OS user (created by the Debian package `postgresql`)');
  return { uid, gid };
}

/**
 * Starts a throw-away PostgreSQL cluster for a test: initdb into a temp directory, pg_ctl on a
 * free loopback port with its socket in that directory, trust auth for user `postgres`.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const owner = postgresUid();
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const init = runAs(join(bin, 'initdb'), ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '-D', data]);
  if (!init.ok) throw new Error(`initdb failed:\n${init.output}`);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50`;
  const start = async (): Promise<void> => {
    const result = runAs(join(bin, 'pg_ctl'), ['-w', '-t', '30', '-D', data, '-l', join(dir, 'server.log'), '-o', options, 'start']);
    if (!result.ok) throw new Error(`pg_ctl start failed:\n${result.output}`);
  };
  const stopProcess = async (): Promise<void> => {
    runAs(join(bin, 'pg_ctl'), ['-w', '-t', '30', '-D', data, '-m', 'immediate', 'stop']);
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    start,
    stopProcess,
    async stop() {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
