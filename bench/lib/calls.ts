import { fork, type ChildProcess } from 'node:child_process';

/** One measured run of call flows. */
export interface CallRun {
  /** Wall-clock calls per second. */
  cps: number;
  /** Calls per second of this process's CPU time (user + system): robust on a shared machine. */
  perCpuSecond: number;
  failed: number;
  /** Why the failed flows failed (the text `one` resolved or threw), with how many each. */
  reasons: Map<string, number>;
}

/**
 * At most `perSecond` starts in any one second (a sliding window over the moments they start,
 * which are also spaced evenly), across every run it paces: for a PBX that refuses sessions above
 * a rate (FreeSWITCH's sessions-per-second). Timers that fire late together never make a burst.
 */
export class StartPacer {
  private readonly starts: number[] = [];
  private nextStart = 0;

  constructor(readonly perSecond: number) {}

  /** Resolves when a start is allowed, with its moment (`performance.now()`). */
  async wait(): Promise<number> {
    for (;;) {
      const now = performance.now();
      const oldest = this.starts.length >= this.perSecond ? (this.starts[this.starts.length - this.perSecond] as number) : -Infinity;
      const due = Math.max(this.nextStart, oldest + 1000);
      if (due <= now) {
        this.starts.push(now);
        if (this.starts.length > this.perSecond) this.starts.shift();
        this.nextStart = now + 1000 / this.perSecond;
        return now;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(due - now)));
    }
  }
}

/**
 * Runs `total` call flows, `concurrency` at a time; `one` resolves true for a flow that went as
 * expected, and false or a reason (or throws) for one that failed. With a pacer, each flow
 * starts when it allows.
 */
export async function runCalls(total: number, concurrency: number, one: () => Promise<boolean | string>, pacer?: StartPacer): Promise<CallRun> {
  let next = 0;
  let failed = 0;
  const reasons = new Map<string, number>();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await pacer?.wait();
        const outcome = await one().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
        if (outcome === true) continue;
        failed++;
        const reason = outcome === false ? 'failed' : outcome;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { cps: total / seconds, perCpuSecond: total / ((used.user + used.system) / 1e6), failed, reasons };
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
