import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RedisServerOptions {
  /** `appendonly yes` (durability tests); default no persistence at all (`--save ""`). */
  appendonly?: boolean;
  /** Extra `--name value` arguments. */
  args?: string[];
}

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>/0`. */
  url: string;
  /** Working directory (AOF and RDB files live here). */
  dir: string;
  /** Process id of the running server (changes on restart). */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM: the AOF is flushed), then start again on the same port and directory. */
  restart(): Promise<void>;
  /** SIGTERM and wait for exit; keeps the directory so {@link start} can bring the data back. */
  stopProcess(): Promise<void>;
  /** Starts the process again after {@link stopProcess}. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Finds Debian's redis-server (PATH, then the two places its package installs it). */
export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  for (const candidate of ['/usr/bin/redis-server', '/usr/sbin/redis-server']) if (existsSync(candidate)) return candidate;
  throw new Error('redis-server not found: install it with `apt-get install redis-server` (.ci/run does)');
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real redis-server for a test: its own temporary directory, a free port on loopback,
 * no snapshots, and `appendonly` only when the test asks for durability. Resolves once the
 * server says it accepts connections.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-redis-'));
  const port = await freePort();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', opts.appendonly ? 'yes' : 'no',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--logfile', '',
    ...(opts.args ?? []),
  ];
  let child: ChildProcess | undefined;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const lines: string[] = [];
      const proc = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not start:\n${lines.join('\n')}`));
      }, 15_000);
      const onLine = (line: string): void => {
        lines.push(line);
        if (/Ready to accept connections/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      };
      createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', onLine);
      createInterface({ input: proc.stderr as NodeJS.ReadableStream }).on('line', onLine);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${lines.join('\n')}`));
      });
    });

  const stopProcess = (): Promise<void> =>
    new Promise((resolve) => {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });

  await launch();
  return {
    get pid() {
      return child?.pid;
    },
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    start: launch,
    stopProcess,
    async restart() {
      await stopProcess();
      await launch();
    },
    async stop() {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
