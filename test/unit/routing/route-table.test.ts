import { configSchema } from '../../../src/config/schema';
import { type AppError } from '../../../src/lib/errors';
import { compileTable, implicitTable } from '../../../src/routing/route-table';
import { lazyFacts } from '../../../src/routing/number-facts';
import { Router } from '../../../src/routing/router';
import { docsExample } from '../../support/routing-example';

const BREAKER = { window: 10, minCalls: 5, minAsr: 0.1, maxConsecutiveFailures: 3, openMs: 1000 };

function exampleRouter(): Router {
  const config = configSchema.parse(docsExample());
  return new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER);
}

describe('the route table', () => {
  it('routes a GB number to carrier-a then carrier-b, with the local-presence strategy (the docs example)', () => {
    const router = exampleRouter();
    const decision = router.decide('+442079460123', 'call');
    expect(decision?.trunks.map((t) => t.name)).toEqual(['carrier-a', 'carrier-b']);
    expect(decision?.route.callerId.kind).toBe('local');
  });

  it('routes +1 numbers to carrier-b and refuses a French number with NO_ROUTE before dialling', () => {
    const router = exampleRouter();
    expect(router.decide('+12025550100', 'call')?.trunks.map((t) => t.name)).toEqual(['carrier-b']);
    expect(router.decide('+33142685300', 'call')).toBeUndefined();
    expect(() => router.admit('+33142685300', ['call'], undefined)).toThrow(expect.objectContaining({ code: 'NO_ROUTE' }) as AppError);
  });

  it('picks the longest matching prefix, and the earlier route between equals', () => {
    const config = configSchema.parse({
      trunks: [
        { name: 'wide', callerIds: ['+442037691880'] },
        { name: 'london', callerIds: ['+442037691881'] },
        { name: 'first', callerIds: ['+442037691882'] },
        { name: 'second', callerIds: ['+442037691883'] },
      ],
      routes: [
        { match: { prefixes: ['+44'] }, trunks: ['wide'] },
        { match: { prefixes: ['+4420'] }, trunks: ['london'] },
        { match: { prefixes: ['+4474'] }, trunks: ['first'] },
        { match: { prefixes: ['4474'] }, trunks: ['second'] },
      ],
    });
    const table = compileTable(config.trunks, config.routes, 1000);
    const route = (to: string) => table.decide(to, 'call', lazyFacts(to))?.trunks[0]?.name;
    expect(route('+442079460123')).toBe('london');
    expect(route('+441632960123')).toBe('wide');
    expect(route('+447400123456')).toBe('first');
  });

  it('matches on channel and number type, and tells countries sharing a calling code apart', () => {
    const config = configSchema.parse({
      trunks: [
        { name: 'mobile', callerIds: ['+447400900001'] },
        { name: 'reverse', callerIds: ['+447400900002'] },
        { name: 'canada', callerIds: ['+16135550100'] },
        { name: 'any', callerIds: ['+12025550180'] },
      ],
      routes: [
        { match: { countries: ['GB'], numberTypes: ['MOBILE'], channels: ['call'] }, trunks: ['mobile'] },
        { match: { channels: ['reverse'] }, trunks: ['reverse'] },
        { match: { countries: ['CA'] }, trunks: ['canada'] },
        { trunks: ['any'] },
      ],
    });
    const table = compileTable(config.trunks, config.routes, 1000);
    const route = (to: string, channel: 'call' | 'reverse') => table.decide(to, channel, lazyFacts(to))?.trunks[0]?.name;
    expect(route('+447400123456', 'call')).toBe('mobile');
    expect(route('+447400123456', 'reverse')).toBe('reverse');
    expect(route('+442079460123', 'call')).toBe('any');
    expect(route('+16135550123', 'call')).toBe('canada');
    expect(route('+12025550123', 'call')).toBe('any');
  });

  it('draws weighted trunks in proportion, each trunk once per call', () => {
    const config = configSchema.parse({
      trunks: [
        { name: 'a', callerIds: ['+442037691880'] },
        { name: 'b', callerIds: ['+442037691881'] },
      ],
      routes: [{ trunks: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }] }],
    });
    const table = compileTable(config.trunks, config.routes, 1000);
    let first = 0;
    for (let i = 0; i < 2000; i++) {
      const order = table.decide('+442079460123', 'call', lazyFacts('+442079460123'))?.trunks.map((t) => t.name) ?? [];
      expect([...order].sort()).toEqual(['a', 'b']);
      if (order[0] === 'a') first++;
    }
    expect(first / 2000).toBeGreaterThan(0.7);
    expect(first / 2000).toBeLessThan(0.8);
  });

  it('keeps the single-trunk configuration of old as one catch-all route', () => {
    const router = new Router(implicitTable('carrier-1'), BREAKER);
    expect(router.explicit).toBe(false);
    const decision = router.decide('+33142685300', 'call');
    expect(decision?.trunks[0]?.dialTrunk).toBe('carrier-1');
    expect(decision?.trunks[0]?.pool).toBeUndefined();
    expect(() => router.admit('+33142685300', ['call'], '+19999999999')).not.toThrow();
  });

  it('refuses a requested caller ID outside the pools of the matching routes', () => {
    const router = exampleRouter();
    expect(() => router.admit('+442079460123', ['call'], '+442037691881')).not.toThrow();
    expect(() => router.admit('+442079460123', ['call'], '+12025550181')).not.toThrow(); // carrier-b is on the GB route
    expect(() => router.admit('+12025550100', ['call'], '+442037691880')).toThrow(expect.objectContaining({ code: 'CALLER_ID_NOT_IN_POOL' }) as AppError);
    expect(() => router.admit('+442079460123', ['call'], '+15550001111')).toThrow(expect.objectContaining({ code: 'CALLER_ID_NOT_IN_POOL' }) as AppError);
  });
});
