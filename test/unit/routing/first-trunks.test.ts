import { configSchema } from '../../../src/config/schema';
import { callEnd } from '../../../src/pbx/port';
import { compileTable } from '../../../src/routing/route-table';
import { Router } from '../../../src/routing/router';

const BREAKER = { window: 10, minCalls: 5, minAsr: 0, maxConsecutiveFailures: 3, openMs: 1000 };
const congestion = callEnd('congestion', 'remote', { q850: 34, sip: 503 }, 0);

function routerAt(now: { t: number }, routes: unknown[]): Router {
  const config = configSchema.parse({
    trunks: [
      { name: 'a', callerIds: ['+442037691880'] },
      { name: 'b', rateDeck: 'premium', callerIds: ['+442037691881'] },
    ],
    routes,
  });
  return new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER, () => now.t);
}

/** The trunks the maxCost policy prices a call with: the ones RoutedPbx would try first now. */
describe('the trunks a call would be placed on first', () => {
  it('is the first listed trunk, or the next one while the first is out of rotation (breaker open)', () => {
    const now = { t: 10_000 };
    const router = routerAt(now, [{ trunks: ['a', 'b'], maxCost: 0.5 }]);
    expect(router.firstTrunks('+442079460123', 'call')).toMatchObject({ trunks: [{ name: 'a' }], route: { maxCostMicros: 500_000 } });
    const a = router.healthOf('a');
    for (let i = 0; i < 3; i++) a.onRefused(congestion, 'trunk', 10, now.t);
    expect(a.stateAt(now.t)).toBe('open');
    expect(router.firstTrunks('+442079460123', 'call')?.trunks.map((t) => t.name)).toEqual(['b']);
    // after the rest the breaker is half-open: its probe call would go on `a` again
    now.t += 1000;
    expect(router.firstTrunks('+442079460123', 'call')?.trunks.map((t) => t.name)).toEqual(['a']);
  });

  it('is every trunk of a weighted route (its order is drawn per call), and nothing for NO_ROUTE', () => {
    const router = routerAt({ t: 0 }, [{ match: { prefixes: ['+44'] }, trunks: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }] }]);
    expect(router.decide('+442079460123', 'call')?.drawn).toBe(true);
    expect(router.firstTrunks('+442079460123', 'call')?.trunks.map((t) => t.name)).toEqual(['a', 'b']);
    expect(router.firstTrunks('+33142685300', 'call')).toBeUndefined();
  });
});
