import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const TSX = join(ROOT, 'node_modules/.bin/tsx');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `[command, ...args]` run on the given CPUs (`taskset -c`, util-linux: every thread of the
 * process inherits it); unchanged when `cpus` is undefined. The pid stays the command's own.
 */
export function pinned(cpus: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]];
}

/** Moves every thread of a running process to `cpus` (`taskset -a -p -c`). */
export function setAffinity(pid: number, cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`taskset could not move process ${pid} to CPUs ${cpus}`);
}

/**
 * Starts the built engine (`dist/` of `root`, this checkout by default: another one compares two
 * builds) with the given environment (and node flags such as `--cpu-prof`); output discarded.
 */
export async function startEngineProcess(env: Record<string, string>, nodeArgs: readonly string[] = [], cpus?: string, root = ROOT): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(...pinned(cpus, process.execPath, [...nodeArgs, join(root, 'dist/cli/index.js'), 'serve']), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PBXVERIFY_PORT: String(port), PBXVERIFY_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`);
  return { url, child, stop: () => stopChild(child) };
}

export async function startBareServer(cpus?: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  // Plain node with tsx's loader, so the pid is the server itself (not a tsx wrapper).
  const child = spawn(...pinned(cpus, process.execPath, ['--import', 'tsx', join(__dirname, 'bare-server.ts'), String(port)]), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  // Any answer (404 on /) means it is listening.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('bare server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, pid: child.pid as number, stop: () => stopChild(child) };
}

export interface LoadResult {
  requestsPerSec: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: Record<string, number>;
}

/** Runs the autocannon load worker in a separate process (spec handed over in a temp file), on `cpus` when given. */
export function runLoad(spec: Record<string, unknown>, cpus?: string): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(...pinned(cpus, TSX, [join(__dirname, 'load-worker.ts'), file]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`load worker exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as LoadResult);
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the command name), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs a load against a server process and adds the server's CPU time per request. */
export async function measure(pid: number, spec: Record<string, unknown>, cpus?: string): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const before = cpuSeconds(pid);
  const result = await runLoad(spec, cpus);
  const used = cpuSeconds(pid) - before;
  return { ...result, cpuMicrosPerRequest: result.total ? (used * 1e6) / result.total : 0 };
}
