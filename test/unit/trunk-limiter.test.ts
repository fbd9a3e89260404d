import { TrunkLimiter } from '../../src/pbx/dialer/trunk-limiter';

describe('TrunkLimiter', () => {
  it('allows N starts in any one-second window for N calls per second', () => {
    const t = new TrunkLimiter({ cps: 3, maxConcurrent: 100 });
    for (const now of [0, 10, 20]) {
      expect(t.waitMs(now)).toBe(0);
      t.take(now);
    }
    expect(t.waitMs(500)).toBe(500);
    expect(t.waitMs(1000)).toBe(0);
    t.take(1000);
    expect(t.waitMs(1005)).toBe(5);
  });

  it('spaces starts for fractional rates (0.5 per second: one every two seconds)', () => {
    const t = new TrunkLimiter({ cps: 0.5, maxConcurrent: 100 });
    t.take(0);
    expect(t.waitMs(1)).toBe(1999);
    expect(t.waitMs(2000)).toBe(0);
  });

  it('blocks on the concurrency limit until a call is released', () => {
    const t = new TrunkLimiter({ cps: 100, maxConcurrent: 2 });
    t.take(0);
    t.take(0);
    expect(t.waitMs(5000)).toBeUndefined();
    t.release();
    expect(t.inProgress).toBe(1);
    expect(t.waitMs(5000)).toBe(0);
  });

  it('refuses limits that could never let a call through', () => {
    expect(() => new TrunkLimiter({ cps: 0, maxConcurrent: 1 })).toThrow(RangeError);
    expect(() => new TrunkLimiter({ cps: 1, maxConcurrent: 0 })).toThrow(RangeError);
  });
});
