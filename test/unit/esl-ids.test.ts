import { IdSource } from '../../src/pbx/freeswitch-esl/ids';

describe('channel and job ids', () => {
  it('are version-4-shaped UUIDs with the driver prefix, all different', () => {
    const ids = new IdSource('0a1b2c3d');
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = ids.next();
      expect(id).toMatch(/^0a1b2c3d-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('match the filter FreeSWITCH applies, and only them', () => {
    const ids = new IdSource('0a1b2c3d');
    const filter = new RegExp(ids.filter.slice(1, -1));
    expect(filter.test(ids.next())).toBe(true);
    expect(filter.test(new IdSource('0a1b2c3e').next())).toBe(false);
    expect(filter.test('1f0e0d0c-0b0a-4908-8706-050403020100')).toBe(false);
  });

  it('refuses a prefix that is not 8 hex digits', () => {
    expect(() => new IdSource('xyz')).toThrow(RangeError);
  });
});
