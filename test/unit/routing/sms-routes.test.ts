import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { routeTableOf } from '../../../src/app/routing';
import { loadConfig } from '../../../src/config/load';
import { type AppError } from '../../../src/lib/errors';
import { Router } from '../../../src/routing/router';
import { problemsOf } from '../../support/config-problems';
import { docsExample, docsSmsRoutesExample } from '../../support/routing-example';

const BREAKER = { window: 10, minCalls: 5, minAsr: 0.1, maxConsecutiveFailures: 3, openMs: 1000 };

function load(config: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-sms-routes-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(file, stringify(config));
  return loadConfig({ file, env: {}, cwd: dir });
}

const routerOf = (config: Record<string, unknown>): Router => new Router(routeTableOf(load(config).config), BREAKER);
const smpp = (name: string) => ({ name, kind: 'smpp', host: '127.0.0.1', systemId: 'pbxverify' });

describe('SMS gateways chosen by the route table', () => {
  it('loads the example of docs/sms.md as written and routes GB and +1 numbers to their gateways', () => {
    const router = routerOf(docsSmsRoutesExample());
    const uk = router.decideSms('+447400123456');
    expect(uk !== 'unrouted' && uk?.gateways).toEqual(['operator-uk', 'pbx']);
    const us = router.decideSms('+12025550100');
    expect(us !== 'unrouted' && [...(us?.gateways ?? [])].sort()).toEqual(['operator-uk', 'operator-us']);
    // SMS-only routes without trunks: calls keep the implicit trunk and are not refused
    expect(router.explicit).toBe(false);
    expect(router.decide('+33142685300', 'call')?.trunks[0]?.implicit).toBe(true);
  });

  it('refuses an SMS to a number no SMS route serves with NO_ROUTE, and admits calls to it', () => {
    const router = routerOf(docsSmsRoutesExample());
    expect(router.decideSms('+33142685300')).toBeUndefined();
    expect(() => router.admit('+33142685300', ['sms'], undefined)).toThrow(expect.objectContaining({ code: 'NO_ROUTE', details: { field: 'to', channels: ['sms'] } }) as AppError);
    expect(() => router.admit('+33142685300', ['call'], undefined)).not.toThrow();
    expect(() => router.admit('+447400123456', ['sms', 'call'], undefined)).not.toThrow();
  });

  it('draws the order of weighted gateways per message, each gateway once', () => {
    const router = routerOf(docsSmsRoutesExample());
    const first = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const d = router.decideSms('+12025550100');
      if (d === 'unrouted' || d === undefined) throw new Error('no route');
      expect(new Set(d.gateways).size).toBe(2);
      first.set(d.gateways[0] as string, (first.get(d.gateways[0] as string) ?? 0) + 1);
    }
    // weights 3:1 → operator-us first in about 75% of draws
    const share = (first.get('operator-us') ?? 0) / 4000;
    expect(share).toBeGreaterThan(0.68);
    expect(share).toBeLessThan(0.82);
  });

  it('leaves SMS to sms.gateway(s) when no route names gateways, also beside call routes', () => {
    expect(routerOf({}).decideSms('+447400123456')).toBe('unrouted');
    const calls = routerOf(docsExample());
    expect(calls.decideSms('+33142685300')).toBe('unrouted');
    expect(() => calls.admit('+33142685300', ['sms'], undefined)).not.toThrow();
  });

  it('uses the same trie and precedence as calls: longest prefix, and a route for both channels', () => {
    const router = routerOf({
      smsGateways: [smpp('wide'), smpp('london')],
      sms: { publicUrl: 'http://127.0.0.1:8080' },
      trunks: [{ name: 'carrier', callerIds: ['+442037691880'] }],
      routes: [
        { match: { prefixes: ['+44'] }, trunks: ['carrier'], gateways: ['wide'] },
        { match: { prefixes: ['+4420'], channels: ['sms'] }, gateways: ['london', 'wide'] },
      ],
    });
    const gateways = (to: string) => {
      const d = router.decideSms(to);
      return d === 'unrouted' ? d : d?.gateways;
    };
    expect(gateways('+442079460123')).toEqual(['london', 'wide']);
    expect(gateways('+441632960123')).toEqual(['wide']);
    expect(router.decide('+442079460123', 'call')?.trunks.map((t) => t.name)).toEqual(['carrier']);
  });

  it('reports SMS route problems with their config paths', () => {
    const problems = problemsOf(() =>
      load({
        smsGateways: [smpp('op')],
        routes: [
          { match: { channels: ['sms'] }, gateways: ['op', 'nope', 'op'] },
          { match: { channels: ['sms'] } },
          { match: { channels: ['call'] }, gateways: ['op'] },
          { match: { channels: ['sms'] }, gateways: [{ name: 'op', weight: 2 }, 'pbx'] },
        ],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'routes.0.gateways.1: no SMS gateway named "nope" (pbx or a name from smsGateways)',
        'routes.0.gateways.2: gateway "op" is listed twice',
        'routes.1.gateways: a route with channel sms must name at least one SMS gateway',
        "routes.2.gateways: the route's channels leave out sms, so its gateways are never used",
        'routes.3.gateways: give every gateway a weight, or none',
      ]),
    );
  });
});
