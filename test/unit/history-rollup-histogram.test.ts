import { addHist, bucketOf, bucketValue, denseMedian, encodeHist, HIST_SLOTS, histMedian } from '../../src/history/sql/rollup';

/** The roll-up's time-to-verify histogram: the resolution docs/history.md promises (±2.2 %). */
describe('conversion roll-up histogram', () => {
  const HALF_BUCKET = 2 ** (1 / 32) - 1;

  it('stands every time for a value within ±2.2 % of it (1 ms to a week), and 0 ms for 0', () => {
    let worst = 0;
    let over = 0;
    for (let ms = 1; ms < 7 * 86_400_000; ms = Math.ceil(ms * 1.003) + 1) {
      const err = Math.abs(bucketValue(bucketOf(ms)) - ms) / ms;
      // rounding to whole ms dominates below ~50 ms
      if (ms >= 50) worst = Math.max(worst, err);
      over = Math.max(over, err - (HALF_BUCKET + 0.5 / ms));
    }
    expect(over).toBeLessThanOrEqual(0);
    expect(worst).toBeGreaterThan(0.02); // the bound is tight, not loose
    expect(bucketValue(bucketOf(0))).toBe(0);
  });

  it('reads the median of merged histograms like the exact median (mean of the middle two), within the resolution', () => {
    const times = [5_000, 7_500, 12_000, 30_000, 31_000, 90_000];
    const a = new Map<number, number>();
    const b = new Map<number, number>();
    times.forEach((t, i) => {
      const h = i % 2 ? a : b;
      h.set(bucketOf(t), (h.get(bucketOf(t)) ?? 0) + 1);
    });
    const dense = new Float64Array(HIST_SLOTS);
    addHist(dense, `${encodeHist(a)},,${encodeHist(b)}`);
    const exact = (12_000 + 30_000) / 2;
    expect(Math.abs((denseMedian(dense) as number) - exact)).toBeLessThanOrEqual(exact * HALF_BUCKET);
    expect(histMedian(new Map())).toBeNull();
    expect(denseMedian(new Float64Array(HIST_SLOTS))).toBeNull();
    const one = new Float64Array(HIST_SLOTS);
    addHist(one, `${bucketOf(20_000)}:3`);
    expect(Math.abs((denseMedian(one) as number) - 20_000)).toBeLessThanOrEqual(20_000 * HALF_BUCKET);
  });
});
