/**
 * Lets the event loop run I/O and timers before the caller goes on (a macrotask turn, unlike
 * `await` of a resolved promise, which stays in the microtask queue).
 *
 * Work that only awaits in-process promises (the memory store, better-sqlite3 through Kysely)
 * never leaves the microtask queue: a loop draining 100 scheduler jobs or a 500-event history
 * batch ran as one uninterrupted block, and HTTP requests waited behind it. That was the cause of
 * the memory store's p99 of ~0.5 s at 1,000 starts/s (issue 18, docs/benchmarks.md). Batch loops
 * call this between slices so that no block grows with the backlog.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
