import { fork, type ChildProcess } from 'node:child_process';

/** One measured run of call flows. */
export interface CallRun {
  /** Wall-clock calls per second. */
  cps: number;
  /** Calls per second of this process's CPU time (user + system): robust on a shared machine. */
  perCpuSecond: number;
  failed: number;
}

/** Runs `total` call flows, `concurrency` at a time; `one` resolves true for a flow that went as expected. */
export async function runCalls(total: number, concurrency: number, one: () => Promise<boolean>): Promise<CallRun> {
  let next = 0;
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        if (!(await one().catch(() => false))) failed++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { cps: total / seconds, perCpuSecond: total / ((used.user + used.system) / 1e6), failed };
}

/** The median of one figure over several runs. */
export function medianOf(runs: readonly CallRun[], key: 'cps' | 'perCpuSecond'): number {
  return [...runs].map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
}

/**
 * Starts this bench file again as a child process running its wire-level fake (`--fake`), so the
 * fake's CPU is not counted against the client under test; resolves with the port it listens on.
 */
export async function forkFake(file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(file, ['--fake'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`fake exited ${code}`)));
  });
  return { child, port };
}
