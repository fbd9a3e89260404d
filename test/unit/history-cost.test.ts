import { billedSeconds, CostModel, parseRateDeck, RateDeckError } from '../../src/history/cost';

const HEADER = 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from';

describe('rate decks and cost', () => {
  it('parses a deck: decimals to micro-units, increments, valid-from', () => {
    const rows = parseRateDeck('carrier-a', `${HEADER}\n44,0.0120,60/60,0.01,0.04,EUR,\n447,0.0850,1/1,0,0.05,EUR,2026-11-01\n`);
    expect(rows).toEqual([
      { trunk: 'carrier-a', prefix: '44', ratePerMinMicros: 12_000, firstIncrement: 60, nextIncrement: 60, connectionFeeMicros: 10_000, smsPriceMicros: 40_000, currency: 'EUR', validFrom: 0 },
      { trunk: 'carrier-a', prefix: '447', ratePerMinMicros: 85_000, firstIncrement: 1, nextIncrement: 1, connectionFeeMicros: 0, smsPriceMicros: 50_000, currency: 'EUR', validFrom: Date.UTC(2026, 10, 1) },
    ]);
  });

  it('refuses the whole deck and names every bad line', () => {
    const deck = `${HEADER}\n44,0.012,60/60,0,0,EUR,\n+49,abc,60/0,0,0,euro,tomorrow\n33,0.01,30/6,0,0,EUR\n`;
    let caught: unknown;
    try {
      parseRateDeck('a', deck);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RateDeckError);
    const problems = (caught as RateDeckError).problems;
    expect(problems.filter((p) => p.startsWith('line 3:'))).toHaveLength(5);
    expect(problems).toContain('line 4: 6 fields, expected 7');
    expect(problems.some((p) => p.startsWith('line 2'))).toBe(false);
    expect(() => parseRateDeck('a', 'prefix,rate\n1,2')).toThrow(/line 1: header/);
    expect(() => parseRateDeck('a', `${HEADER}\n44,0.01,60/60,0,0,EUR,\n44,0.02,60/60,0,0,EUR,\n`)).toThrow(/line 3: prefix 44 .* twice/);
  });

  it('bills by increments', () => {
    expect(billedSeconds(0, 60, 60)).toBe(0);
    expect(billedSeconds(1, 60, 60)).toBe(60);
    expect(billedSeconds(61, 60, 60)).toBe(120);
    expect(billedSeconds(61, 30, 6)).toBe(66);
    expect(billedSeconds(17, 1, 1)).toBe(17);
  });

  it('uses the longest prefix and the newest rate valid at the time', () => {
    const model = new CostModel(
      parseRateDeck('a', `${HEADER}\n44,0.0120,60/60,0.01,0.04,EUR,\n4474,0.0850,1/1,0,0.05,EUR,\n4474,0.1000,1/1,0,0.05,EUR,2026-12-01\n`).concat(parseRateDeck('sms', `${HEADER}\n1,0,1/1,0,0.0075,USD,\n`)),
    );
    const nov = Date.UTC(2026, 10, 15);
    expect(model.cost({ trunk: 'a', number: '+442071234567', channel: 'call', billsec: 61, smsParts: null, answered: true, at: nov })).toEqual({ micros: 10_000 + 24_000, currency: 'EUR' });
    expect(model.cost({ trunk: 'a', number: '+447400123456', channel: 'call', billsec: 30, smsParts: null, answered: true, at: nov })).toEqual({ micros: 42_500, currency: 'EUR' });
    expect(model.cost({ trunk: 'a', number: '+447400123456', channel: 'call', billsec: 30, smsParts: null, answered: true, at: Date.UTC(2026, 11, 2) })).toEqual({ micros: 50_000, currency: 'EUR' });
    expect(model.cost({ trunk: 'a', number: '+447400123456', channel: 'call', billsec: 0, smsParts: null, answered: false, at: nov })).toEqual({ micros: 0, currency: 'EUR' });
    expect(model.cost({ trunk: 'sms', number: '+12025550100', channel: 'sms', billsec: null, smsParts: 2, answered: false, at: nov })).toEqual({ micros: 15_000, currency: 'USD' });
    expect(model.cost({ trunk: 'b', number: '+442071234567', channel: 'call', billsec: 10, smsParts: null, answered: true, at: nov })).toBeUndefined();
    expect(model.cost({ trunk: 'a', number: '+33123456789', channel: 'call', billsec: 10, smsParts: null, answered: true, at: nov })).toBeUndefined();
  });
});
