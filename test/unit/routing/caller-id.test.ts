import { CallerIdChooser, CallerIdPool, type CallerIdStrategy } from '../../../src/routing/caller-id';
import { lazyFacts } from '../../../src/routing/number-facts';

const POOL = new CallerIdPool(['+12025550180', '+442037691880', '+441612345678', '+447400900001', '+16135550100']);
const strategy = (kind: CallerIdStrategy['kind'], extra: Partial<CallerIdStrategy> = {}): CallerIdStrategy => ({ kind, windowMs: 60_000, ...extra });

describe('caller-ID strategies', () => {
  let now = 1_000_000;
  const chooser = new CallerIdChooser(() => now);
  const choose = (s: CallerIdStrategy, to: string, requested?: string) => chooser.choose('t', POOL, s, to, lazyFacts(to), requested);

  it('fixed presents the configured number, or the pool\'s first', () => {
    expect(choose(strategy('fixed'), '+442079460123')).toBe('+12025550180');
    expect(choose(strategy('fixed', { number: '+447400900001' }), '+442079460123')).toBe('+447400900001');
  });

  it('round robin walks the pool; random stays in it', () => {
    const seen = Array.from({ length: 10 }, () => choose(strategy('round-robin'), '+442079460123'));
    expect(seen.slice(0, 5).sort()).toEqual([...POOL.numbers].sort());
    expect(seen.slice(5)).toEqual(seen.slice(0, 5));
    for (let i = 0; i < 50; i++) expect(POOL.numbers).toContain(choose(strategy('random'), '+442079460123'));
  });

  it('local presence: the longest shared prefix beyond the calling code, else the same country, else the fallback', () => {
    expect(choose(strategy('local'), '+442079460123')).toBe('+442037691880'); // London 20
    expect(choose(strategy('local'), '+441619460123')).toBe('+441612345678'); // Manchester 161
    expect(choose(strategy('local'), '+447400123456')).toBe('+447400900001'); // mobile range 7400
    expect(choose(strategy('local'), '+441134960000')).toBe('+441612345678'); // Leeds 113: shares +441 with Manchester
    expect(choose(strategy('local'), '+443069990123')).toBe('+442037691880'); // 03 number: nothing beyond +44, same country
    expect(choose(strategy('local'), '+16135550199')).toBe('+16135550100'); // Ottawa 613: same area
    expect(choose(strategy('local'), '+14165550199')).toBe('+16135550100'); // Toronto: +1 shared by US and CA, the CA one
    expect(choose(strategy('local'), '+33142685300')).toBe('+12025550180'); // France: the pool's first
    expect(choose(strategy('local', { fallback: '+447400900001' }), '+33142685300')).toBe('+447400900001');
  });

  it('sticky per callee: one caller ID per number within the window, the same on every engine', () => {
    const other = new CallerIdChooser(() => now);
    const a = choose(strategy('sticky'), '+442079460123');
    for (let i = 0; i < 5; i++) expect(choose(strategy('sticky'), '+442079460123')).toBe(a);
    expect(other.choose('t', POOL, strategy('sticky'), '+442079460123', lazyFacts('+442079460123'))).toBe(a);
    const callees = Array.from({ length: 40 }, (_, i) => `+4420794601${String(i).padStart(2, '0')}`);
    expect(new Set(callees.map((to) => choose(strategy('sticky'), to))).size).toBeGreaterThan(1);
    now += 61_000;
    expect(POOL.numbers).toContain(choose(strategy('sticky'), '+442079460123'));
  });

  it('presents a requested number only when it is in the pool, whatever its spelling', () => {
    expect(choose(strategy('local'), '+442079460123', '441612345678')).toBe('+441612345678');
    expect(choose(strategy('local'), '+442079460123', '+15550001111')).toBe('+442037691880');
  });
});
