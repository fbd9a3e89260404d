import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/index.js');

export interface EngineProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every stdout/stderr line so far (JSON log lines and banners). */
  lines: string[];
  /** `Authorization` header value for a key. */
  auth(id: string, secret: string): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real server (`node dist/cli/index.js serve`, built by `npm test`'s pretest) on a
 * free port and resolves once it logs "listening". Tests talk to it over HTTP only.
 */
export async function startEngine(env: Record<string, string>, opts: { timeoutMs?: number; args?: string[] } = {}): Promise<EngineProcess> {
  const child = spawn(process.execPath, [CLI, ...(opts.args ?? ['serve'])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PBXVERIFY_PORT: '0', PBXVERIFY_HOST: '127.0.0.1', PBXVERIFY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine did not start:\n${lines.join('\n')}`));
    }, opts.timeoutMs ?? 20_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not a log line
      }
    };
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine);
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    lines,
    auth: (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/**
 * Runs the CLI to completion and returns its exit code and output. With `timeoutMs`, a CLI still
 * running then is killed and reported with `timedOut: true` (code null).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  opts: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * The secret of the development key an engine without configured keys made: it is written to
 * `keyFile` (the engine runs without a terminal), which the engine logs once it is there.
 */
export async function devKeySecret(engine: EngineProcess, keyFile: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!engine.lines.some((l) => l.includes('development key written to a file'))) {
    if (Date.now() > deadline) throw new Error(`no development key file was logged:\n${engine.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const line = readFileSync(keyFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('dev:'));
  if (!line) throw new Error(`no dev:<secret> line in ${keyFile}`);
  return line.slice('dev:'.length);
}
