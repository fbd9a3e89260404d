/**
 * The live bench's start pacer (bench/lib/calls.ts): FreeSWITCH refuses sessions above its
 * sessions-per-second, so neither side of the calls/s phase may start more than the pacer's rate
 * in any one second, even when the event loop stalls and many timers fire late together.
 */
import { StartPacer } from '../../bench/lib/calls';

/** The most moments that fall within any window of `ms` (windows starting at a moment). */
function mostInWindow(moments: number[], ms: number): number {
  const sorted = [...moments].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + ms) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

async function run(pacer: StartPacer, workers: number, perWorker: number): Promise<number[]> {
  const starts: number[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = 0; i < perWorker; i++) {
        starts.push(await pacer.wait());
      }
    }),
  );
  return starts;
}

describe('StartPacer (real timers, about 3 s)', () => {
  it('starts at most its rate in any one second, evenly, across runs', async () => {
    const pacer = new StartPacer(50);
    const all = [...(await run(pacer, 20, 2)), ...(await run(pacer, 20, 2))];
    expect(all).toHaveLength(80);
    expect(mostInWindow(all, 1000)).toBeLessThanOrEqual(50);
    const sorted = [...all].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(20 - 1e-6);
  });

  it('makes no burst when timers fire late together (a stalled event loop)', async () => {
    const pacer = new StartPacer(50);
    // The event loop is blocked for 150 ms, free for 150 ms, and so on: every timer due during a
    // block fires at once after it.
    let stall: NodeJS.Timeout | undefined;
    const block = (): void => {
      const until = performance.now() + 150;
      while (performance.now() < until);
      stall = setTimeout(block, 150);
    };
    stall = setTimeout(block, 150);
    try {
      const starts = await run(pacer, 40, 2);
      expect(starts).toHaveLength(80);
      expect(mostInWindow(starts, 1000)).toBeLessThanOrEqual(50);
    } finally {
      clearTimeout(stall);
    }
  }, 20_000);
});
