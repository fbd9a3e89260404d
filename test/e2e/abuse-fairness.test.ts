import type { ApiClient } from '../support/api-client';
import { startCompatFixture, type CompatFixture } from '../support/compat-fixture';

/**
 * One abusive key cannot deny calls to another (issue 11, item 2), through the real server:
 * the engine-wide call breaker counts only calls admitted and placed (not starts refused for the
 * key's quota, nor duplicates answered 409), and one key's volume meets its own share of the call
 * rate before it can trip the breaker for every key. The numbers are in the NANP fiction range,
 * exempt from the per-number flood limits, so only the limits under test refuse.
 */
describe('abuse controls: one key cannot deny service to another (e2e)', () => {
  let f: CompatFixture;
  const keys = {
    quota1: { id: 'quota1', secret: 'quota-one-secret-0123456789', quota: { perHour: 1 } },
    dup: { id: 'dup', secret: 'duplicate-secret-0123456789' },
    hog: { id: 'hog', secret: 'call-hog-secret-0123456789' },
  };
  const as = (k: { id: string; secret: string }): ApiClient => f.api.withAuth(f.engine.auth(k.id, k.secret));
  const call = (api: ApiClient, to: string) => api.post('/v1/verifications', { to, channel: 'call' });

  beforeAll(async () => {
    // 4 calls a minute for the whole engine; one key may place half of that
    f = await startCompatFixture({ keys: Object.values(keys), config: { abuse: { breaker: { callsPerMinute: 4, openSeconds: 300, perKeyShare: 0.5 } } } });
  });
  afterAll(async () => {
    await f.stop();
  });
  beforeEach(async () => {
    await f.advance(60_000); // a fresh one-minute window
  });

  async function statuses(api: ApiClient, numbers: string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const to of numbers) {
      const res = await call(api, to);
      const label = res.status === 201 ? '201' : `${res.status} ${res.body.error.code}`;
      counts[label] = (counts[label] ?? 0) + 1;
    }
    return counts;
  }
  const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

  it('does not count starts refused for the key quota: 30 calls of a key with a quota of 1 leave calls for others', async () => {
    expect(await statuses(as(keys.quota1), range('+120255501', 30))).toEqual({ '201': 1, '429 QUOTA_EXCEEDED': 29 });
    const other = await call(f.api, '+13125550150');
    expect(other.status).toBe(201);
  });

  it('does not count duplicates (409): a key repeating one pending number leaves calls for others', async () => {
    expect(await statuses(as(keys.dup), Array(12).fill('+12065550130'))).toEqual({ '201': 1, '409 VERIFICATION_ACTIVE_EXISTS': 11 });
    expect((await call(f.api, '+13125550151')).status).toBe(201);
  });

  it("holds one key to its share of the call rate, so its volume never trips the breaker for the others", async () => {
    const res = await statuses(as(keys.hog), range('+120655501', 12));
    expect(res).toEqual({ '201': 2, '429 QUOTA_EXCEEDED': 10 });
    const refused = await call(as(keys.hog), '+12065550199');
    expect(refused.body.error.details).toMatchObject({ window: 'minute', limit: 2, channel: 'voice' });
    expect((await call(f.api, '+13125550152')).status).toBe(201);
    expect((await call(as(keys.dup), '+13125550153')).status).toBe(201);
  });

  it('still opens the breaker when several keys together exceed the engine-wide rate', async () => {
    expect(await statuses(as(keys.hog), ['+14155550101', '+14155550102'])).toEqual({ '201': 2 });
    expect(await statuses(as(keys.dup), ['+14155550103', '+14155550104'])).toEqual({ '201': 2 });
    const fifth = await call(f.api, '+14155550105');
    expect(fifth).toMatchObject({ status: 503, body: { error: { code: 'CIRCUIT_OPEN' } } });
    // nothing was dialled for the refused start
    expect(await f.callsTo('+14155550105')).toEqual([]);
  });
});
