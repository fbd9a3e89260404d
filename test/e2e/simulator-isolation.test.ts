import { eventually, type ApiClient } from '../support/api-client';
import { KEYS, startCompatFixture, type CompatFixture } from '../support/compat-fixture';

/**
 * The simulator's QA views are scoped to the calling key (issue 11, item 7), through the real
 * server: two keys verify the same number; each sees the calls, SMS and simulated screen of its
 * own verifications only, so neither can read the other's codes.
 */
describe('simulator views are scoped to the calling key (e2e)', () => {
  let f: CompatFixture;
  let a: ApiClient;
  let b: ApiClient;
  const TO = '+12025550100';
  // rings a while before answering: the second key's code is on the screen by the time the first callee looks
  const TO2 = '+12025550110';

  beforeAll(async () => {
    f = await startCompatFixture();
    a = f.api;
    b = f.api.withAuth(f.engine.auth(KEYS.noCustom.id, KEYS.noCustom.secret));
  });
  afterAll(async () => {
    await f.stop();
  });

  const calls = async (api: ApiClient, query = `?to=${encodeURIComponent(TO)}`): Promise<Array<{ events: any[] }>> => (await api.get(`/v1/simulator/calls${query}`)).body.calls as Array<{ events: any[] }>;
  const messages = async (api: ApiClient) => (await api.get(`/v1/simulator/messages?to=${encodeURIComponent(TO)}`)).body.messages as Array<{ body: string }>;
  /** Polls a verification with the key that owns it until `ready` accepts it. */
  const waitFor = (api: ApiClient, id: string, ready: (v: any) => boolean, what: string): Promise<any> =>
    eventually(async () => {
      const v = (await api.get(`/v1/verifications/${id}`)).body;
      return ready(v) ? v : undefined;
    }, what);
  const delivered = (v: any): boolean => v.attempts[0]?.result === 'delivered';

  it("shows each key its own calls and SMS to a number, never the other key's", async () => {
    const voice = await a.post('/v1/verifications', { to: TO, channel: 'call' });
    expect(voice.status).toBe(201);
    await waitFor(a, voice.body.id, delivered, 'the call');
    const sms = await b.post('/v1/verifications', { to: TO, channel: 'sms' });
    expect(sms.status).toBe(201);
    await waitFor(b, sms.body.id, delivered, 'the SMS');

    const aCalls = await calls(a);
    expect(aCalls).toHaveLength(1);
    expect(await calls(b)).toEqual([]);
    expect(await calls(b, '')).toEqual([]);
    expect(await messages(a)).toEqual([]);
    const bMessages = await messages(b);
    expect(bMessages).toHaveLength(1);
    // the code B's SMS carried appears nowhere in A's view, and A's spoken digits nowhere in B's
    const spoken = aCalls[0]?.events.filter((e) => e.type === 'play' && String(e.item?.prompt).startsWith('digit-'));
    expect(spoken?.length).toBeGreaterThan(0);
    expect(JSON.stringify(await calls(b, ''))).not.toContain('digit-');
    await a.post(`/v1/verifications/${voice.body.id}/cancel`);
    await b.post(`/v1/verifications/${sms.body.id}/cancel`);
  });

  it("shows each simulated user the screen of its own verification: two keys' reverse calls to one number both match", async () => {
    const first = await a.post('/v1/verifications', { to: TO2, channel: 'reverse' });
    const second = await b.post('/v1/verifications', { to: TO2, channel: 'reverse' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.code).not.toBe(second.body.code);
    const [one, two] = await Promise.all([
      waitFor(a, first.body.id, (v) => v.status !== 'pending', 'the first reverse verification'),
      waitFor(b, second.body.id, (v) => v.status !== 'pending', 'the second reverse verification'),
    ]);
    expect([one.status, two.status]).toEqual(['approved', 'approved']);
    // and each key's view holds its own keypad entry only
    const typed = async (api: ApiClient) =>
      (await calls(api, `?to=${encodeURIComponent(TO2)}`)).map((c) => c.events.filter((e) => e.type === 'dtmf').map((e) => e.digit).join('')).filter((d) => d.length > 0);
    expect((await typed(a)).some((d) => d.startsWith(first.body.code))).toBe(true);
    expect((await typed(a)).some((d) => d.startsWith(second.body.code))).toBe(false);
    expect((await typed(b)).some((d) => d.startsWith(second.body.code))).toBe(true);
  });
});
