import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load';
import { problemsOf } from '../../support/config-problems';
import { docsExample } from '../../support/routing-example';

function load(config: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-routing-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(file, stringify(config));
  return loadConfig({ file, env: {}, cwd: dir });
}

const trunk = (name: string, extra: Record<string, unknown> = {}) => ({ name, callerIds: ['+442037691880'], ...extra });

describe('routing configuration', () => {
  it('accepts the example of docs/routing.md as written', () => {
    const { config } = load(docsExample());
    expect(config.trunks.map((t) => t.name)).toEqual(['carrier-a', 'carrier-b']);
    expect(config.routes).toHaveLength(2);
  });

  it('reports each problem with its config path', () => {
    const problems = problemsOf(() =>
      load({
        trunks: [
          trunk('carrier-a'),
          trunk('carrier-a'),
          { name: 'empty', callerIds: [] },
          trunk('bad-fs', { dial: { freeswitch: 'sofia/gateway/x/{number} &echo' } }),
          trunk('bad-ast', { dial: { asterisk: 'PJSIP/{number}@x,Dial(evil)' } }),
          trunk('unknown-ph', { dial: { asterisk: 'PJSIP/{callee}@x' } }),
          trunk('no-number', { dial: { asterisk: 'PJSIP/1234@x' } }),
          trunk('far', { nodes: ['ari://nowhere:8088'] }),
        ],
        routes: [
          { match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-c', 'carrier-a'] },
          { name: 'r', trunks: ['carrier-a'], callerId: { strategy: 'fixed', number: '+15550001111' } },
          { name: 'r', trunks: [{ name: 'carrier-a', weight: 2 }, 'bad-fs'] },
          { match: { countries: ['XX'] }, trunks: ['carrier-a'] },
        ],
      }),
    );
    const expected = [
      /^trunks\.2\.callerIds: must list at least one caller ID/,
      /^trunks\.3\.dial\.freeswitch: may only contain/,
      /^trunks\.4\.dial\.asterisk: may only contain/,
      /^trunks\.5\.dial\.asterisk: only \{number\}/,
      /^trunks\.6\.dial\.asterisk: must contain \{number\}/,
    ];
    for (const re of expected) expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
  });

  it('reports cross-field problems once the shapes are right', () => {
    const problems = problemsOf(() =>
      load({
        trunks: [trunk('carrier-a'), trunk('carrier-a'), trunk('far', { nodes: ['ari://nowhere:8088'] })],
        routes: [
          { match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-c', 'carrier-a'] },
          { name: 'r', trunks: ['carrier-a'], callerId: { strategy: 'fixed', number: '+15550001111' } },
          { name: 'r', trunks: [{ name: 'carrier-a', weight: 2 }, 'far'] },
          { match: { countries: ['XX'] }, trunks: ['carrier-a'] },
        ],
      }),
    );
    const expected = [
      /^trunks\.1\.name: duplicate trunk name "carrier-a" \(also trunks\.0\)/,
      /^routes\.0\.trunks\.1: unknown trunk "carrier-c"/,
      /^routes\.0\.trunks\.2: trunk "carrier-a" is listed twice/,
      /^routes\.1\.callerId\.number: not in the caller-ID pool of trunk "carrier-a"/,
      /^routes\.2\.name: duplicate route name "r"/,
      /^routes\.2\.trunks: give every trunk a weight, or none/,
      /^routes\.3\.match\.countries\.0: "XX" is not a country/,
      /^trunks\.2\.nodes\.0: no PBX node "ari:\/\/nowhere:8088"/,
    ];
    for (const re of expected) expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
    expect(problems).toHaveLength(expected.length);
  });

  it('keeps the single-trunk configuration of old working without trunks or routes', () => {
    const { config } = load({ calls: { trunk: 'carrier-1', defaultCallerId: '+442037691880' } });
    expect(config.trunks).toEqual([]);
    expect(config.routes).toEqual([]);
  });

  it('refuses routes without trunks and trunks without routes', () => {
    expect(problemsOf(() => load({ routes: [{ trunks: ['a'] }] }))).toEqual(expect.arrayContaining([expect.stringMatching(/^routes: needs trunks/)]));
    expect(problemsOf(() => load({ trunks: [trunk('a')] }))).toEqual(['routes: trunks are configured but no route uses them']);
  });
});
