import pino from 'pino';
import { PollLoop } from '../../src/lib/poll-loop';
import { Scheduler } from '../../src/verification/scheduler';
import { MemoryStore } from '../../src/store/memory/memory-store';

/**
 * Batch loops that only await in-process promises (the memory store, better-sqlite3) must let
 * I/O in between slices: before issue 18 a scheduler batch or a run of full batches was one
 * block of microtasks, and every HTTP request waited behind it (p99 ~0.5 s at 1,000 starts/s).
 * These tests count how much work ran before a macrotask (setImmediate, as an incoming request
 * would be) got its turn. No timing is asserted.
 */
describe('batch loops yield to the event loop', () => {
  it('a poll loop lets a waiting macrotask run between two batches', async () => {
    let batches = 0;
    let batchesBeforeIo = -1;
    const loop = new PollLoop(async () => (++batches <= 5 ? 1 : 0), 1000, () => undefined);
    setImmediate(() => (batchesBeforeIo = batches));
    await loop.tick();
    expect(batches).toBe(6);
    expect(batchesBeforeIo).toBeGreaterThanOrEqual(1);
    expect(batchesBeforeIo).toBeLessThan(6);
  });

  it('the scheduler on the memory store starts a batch of 100 due jobs in slices, with I/O between them', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    for (let i = 0; i < 100; i++) await store.scheduleJob({ id: `v${i}:step`, kind: 'step', verificationId: `v${i}`, at: now - 1, token: `t${i}`, step: 0 });
    let handled = 0;
    let handledBeforeIo = -1;
    const scheduler = new Scheduler({
      store,
      clock: { now: () => now },
      logger: pino({ level: 'silent' }),
      owner: 'test',
      pollMs: 60_000,
      handle: async () => {
        handled++;
      },
    });
    setImmediate(() => (handledBeforeIo = handled));
    await expect(scheduler.tick()).resolves.toBe(100);
    expect(handled).toBe(100);
    expect(handledBeforeIo).toBeGreaterThan(0);
    expect(handledBeforeIo).toBeLessThan(100);
    await store.close();
  });
});
