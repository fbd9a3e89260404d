import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, startRedisServer, type RedisServer } from './redis-server';

/** Finds Debian's redis-sentinel (package `redis-sentinel`; scripts/test-deps.sh installs it). */
export function redisSentinelBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-sentinel'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  throw new Error('redis-sentinel not found: install it with `apt-get install redis-sentinel` (scripts/test-deps.sh does)');
}

export interface SentinelSet {
  /** The name the sentinel monitors. */
  name: string;
  primary: RedisServer;
  replica: RedisServer;
  sentinelPort: number;
  /** `redis-sentinel://127.0.0.1:<port>/0?name=<name>`. */
  url: string;
  /** Resolves with the port of the primary the sentinel announces once it differs from `port`. */
  waitForPrimaryOtherThan(port: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A real Redis Sentinel set for a test, all on loopback: a primary, one replica of it, and one
 * sentinel (quorum 1) that takes the primary for down after `downAfterMs` and promotes the
 * replica. Each process has its own temporary directory; the sentinel rewrites its own file there.
 */
export async function startSentinelSet(opts: { downAfterMs?: number } = {}): Promise<SentinelSet> {
  const name = 'pbxverify-primary';
  const primary = await startRedisServer({ appendonly: true });
  const replica = await startRedisServer({ appendonly: true, args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-sentinel-'));
  const sentinelPort = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      'logfile ""',
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`,
      `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 500}`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const lines: string[] = [];
  const child: ChildProcess = spawn(redisSentinelBinary(), [conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-sentinel did not start:\n${lines.join('\n')}`)), 15_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (/\+monitor master/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine);
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-sentinel exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  const announced = (): number | undefined => {
    const switched = [...lines].reverse().find((l) => l.includes('+switch-master'));
    const m = switched ? /\+switch-master \S+ \S+ \d+ 127\.0\.0\.1 (\d+)/.exec(switched) : undefined;
    return m ? Number(m[1]) : undefined;
  };
  return {
    name,
    primary,
    replica,
    sentinelPort,
    url: `redis-sentinel://127.0.0.1:${sentinelPort}/0?name=${name}`,
    async waitForPrimaryOtherThan(port, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const now = announced();
        if (now !== undefined && now !== port) return now;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the sentinel did not promote a new primary:\n${lines.slice(-20).join('\n')}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await replica.stop();
      await primary.stop();
    },
  };
}
