import pino from 'pino';
import { FraudGuard } from '../../src/fraud/guard';
import type { FraudStore } from '../../src/fraud/port';
import { fraudGuardSchema } from '../../src/config/fraud-schema';

export interface FraudStoreHarness {
  /** Two views of one shared state (two engines on one Redis; the same object for memory). */
  stores: [FraudStore, FraudStore];
  close(): Promise<void>;
}

/** One contract for every FraudStore (memory, Redis), and the guard over it. */
export function fraudStoreContract(name: string, open: () => Promise<FraudStoreHarness>): void {
  describe(`FraudStore contract: ${name}`, () => {
    let h: FraudStoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(async () => h.close());

    it('sums the buckets of a range and lists the prefixes counted lately', async () => {
      const [a, b] = h.stores;
      await a.count('447700', 10, 'started', 60_000);
      await b.count('447700', 10, 'started', 60_000);
      await a.count('447700', 11, 'verified', 60_000);
      await a.count('447700', 14, 'started', 60_000);
      await a.count('120255', 3, 'started', 60_000);
      expect(await b.window('447700', 10, 11)).toEqual({ started: 2, verified: 1 });
      expect(await a.window('447700', 10, 14)).toEqual({ started: 3, verified: 1 });
      expect(await a.window('447700', 12, 13)).toEqual({ started: 0, verified: 0 });
      expect((await b.active(5)).sort()).toEqual(['447700']);
      expect(await a.active(0)).toEqual(['447700']);
    });

    it('stores blocks every view sees, and lifting one forgets its counts', async () => {
      const [a, b] = h.stores;
      await a.count('447700', 1, 'started', 60_000);
      expect(await a.block({ prefix: '447700', at: 1000, until: 5000, started: 60, verified: 1 })).toBe(true);
      // another engine judging the same window places nothing over it (one block, one alert)
      expect(await b.block({ prefix: '447700', at: 1200, until: 5200, started: 61, verified: 1 })).toBe(false);
      expect(await b.blocks()).toEqual([{ prefix: '447700', at: 1000, until: 5000, started: 60, verified: 1 }]);
      expect(await b.lift('447700')).toBe(true);
      expect(await a.blocks()).toEqual([]);
      expect(await a.window('447700', 0, 10)).toEqual({ started: 0, verified: 0 });
      expect(await a.lift('447700')).toBe(false);
    });

    it('the guard on one engine blocks a pumped prefix; the other engine refuses it after its next evaluation', async () => {
      let now = Date.UTC(2026, 11, 5, 12);
      const settings = fraudGuardSchema.parse({ enabled: true, windowSeconds: 600, graceSeconds: 60, minStarts: 20, minConversion: 0.2, blockSeconds: 900 });
      const alerts: string[] = [];
      const guard = (store: FraudStore) =>
        new FraudGuard({
          store,
          settings,
          now: () => now,
          logger: pino({ level: 'silent' }),
          onBlock: (b) => alerts.push(`blocked ${b.prefix}`),
          onUnblock: (prefix, reason) => alerts.push(`${reason} ${prefix}`),
        });
      const [one, two] = [guard(h.stores[0]), guard(h.stores[1])];
      for (let i = 0; i < 25; i++) one.note('started', `+4477009001${String(i).padStart(2, '0')}`, now);
      for (let i = 0; i < 30; i++) two.note('started', `+1202555${String(1000 + i)}`, now);
      for (let i = 0; i < 10; i++) two.note('verified', `+1202555${String(1000 + i)}`, now);
      two.note('verified', '+447700900100', now);
      await one.evaluate();
      await two.evaluate();
      // too young to judge: nothing blocked yet
      expect(() => one.check('+447700900199')).not.toThrow();
      now += 120_000;
      await one.evaluate();
      expect(() => one.check('+447700900199')).toThrow(expect.objectContaining({ code: 'DESTINATION_BLOCKED' }));
      expect(() => one.check('+12025551999')).not.toThrow();
      await two.evaluate();
      expect(() => two.check('+447700900199')).toThrow(expect.objectContaining({ code: 'DESTINATION_BLOCKED' }));
      expect((await two.list()).map((b) => [b.prefix, b.started, b.verified])).toEqual([['447700', 25, 1]]);
      await two.lift('447700');
      await one.evaluate();
      expect(() => one.check('+447700900199')).not.toThrow();
      // the block ends by itself too
      for (let i = 0; i < 25; i++) one.note('started', `+4477009002${String(i).padStart(2, '0')}`, now);
      now += 120_000;
      await one.evaluate();
      expect(() => one.check('+447700900299')).toThrow(expect.objectContaining({ code: 'DESTINATION_BLOCKED' }));
      now += 901_000;
      await two.evaluate();
      await one.evaluate();
      expect(() => one.check('+447700900299')).not.toThrow();
      // each block and each end told once, whichever engine saw it
      expect(alerts).toEqual(['blocked 447700', 'lifted 447700', 'blocked 447700', 'expired 447700']);
    });

    it('two engines judging the same window at once place one block and alert once', async () => {
      const now = Date.UTC(2026, 11, 5, 12);
      const settings = fraudGuardSchema.parse({ enabled: true, windowSeconds: 600, graceSeconds: 0, minStarts: 5, minConversion: 0.2, blockSeconds: 900 });
      let blocks = 0;
      const guard = (store: FraudStore) => new FraudGuard({ store, settings, now: () => now, logger: pino({ level: 'silent' }), onBlock: () => blocks++ });
      const [one, two] = [guard(h.stores[0]), guard(h.stores[1])];
      for (let i = 0; i < 6; i++) one.note('started', `+4477009003${String(i).padStart(2, '0')}`, now - 120_000);
      two.note('started', '+447700900399', now - 120_000);
      await Promise.all([one.evaluate(), two.evaluate()]);
      expect(blocks).toBe(1);
      await Promise.all([one.evaluate(), two.evaluate()]);
      expect(() => two.check('+447700900388')).toThrow(expect.objectContaining({ code: 'DESTINATION_BLOCKED' }));
      expect(blocks).toBe(1);
    });
  });
}
