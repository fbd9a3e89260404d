import type { ApiClient } from '../support/api-client';
import { KEYS, startCompatFixture, type CompatFixture } from '../support/compat-fixture';

/**
 * Idempotency-Key on the native API (docs/api.md "Retries and idempotency"), against the real
 * server. Numbers +1202555 01xx are exempt from the per-number flood limits.
 */
describe('Idempotency-Key on the native API (e2e)', () => {
  let f: CompatFixture;
  let smsOnly: ApiClient;
  let tiny: ApiClient;
  beforeAll(async () => {
    f = await startCompatFixture();
    smsOnly = f.api.withAuth(f.engine.auth(KEYS.smsOnly.id, KEYS.smsOnly.secret));
    tiny = f.api.withAuth(f.engine.auth(KEYS.tiny.id, KEYS.tiny.secret));
  });
  afterAll(async () => {
    await f.stop();
  });

  const idem = (key: string): Record<string, string> => ({ 'idempotency-key': key });

  it('replays the first response to a retry with the same body, however it is spelled, and starts nothing more', async () => {
    const first = await f.api.post('/v1/verifications', { to: '+12025550140', channel: 'sms', brand: 'Shop' }, idem('order-140'));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // the same parameters in another order and spacing
    const retry = await f.api.post('/v1/verifications', '{ "brand": "Shop",  "channel": "sms", "to": "+12025550140" }', idem('order-140'));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(retry.body).toEqual(first.body);

    // run again, the request would have met its own pending verification
    const fresh = await f.api.post('/v1/verifications', { to: '+12025550140', channel: 'sms', brand: 'Shop' });
    expect(fresh).toMatchObject({ status: 409, body: { error: { code: 'VERIFICATION_ACTIVE_EXISTS', details: { id: first.body.id } } } });
  });

  it('refuses the same key with another body, or on another endpoint, with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const first = await f.api.post('/v1/verifications', { to: '+12025550141', channel: 'sms' }, idem('order-141'));
    expect(first.status).toBe(201);
    const other = await f.api.post('/v1/verifications', { to: '+12025550142', channel: 'sms' }, idem('order-141'));
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    const elsewhere = await f.api.post(`/v1/verifications/${first.body.id}/next`, undefined, idem('order-141'));
    expect(elsewhere).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    // nothing was started for the refused body
    expect(await f.messagesTo('+12025550142')).toEqual([]);
    expect((await f.api.post('/v1/verifications', { to: '+12025550142', channel: 'sms' })).status).toBe(201);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé-143'],
    ['a control character', 'order\t143'],
  ])('refuses an Idempotency-Key that is %s with 400 IDEMPOTENCY_KEY_INVALID before doing anything', async (_what, value) => {
    const res = await f.api.post('/v1/verifications', { to: '+12025550143', channel: 'sms' }, idem(value));
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'IDEMPOTENCY_KEY_INVALID' } } });
    expect(await f.messagesTo('+12025550143')).toEqual([]);
  });

  it('accepts 255 printable ASCII characters', async () => {
    const key = ' !"#$%&\'()*+,-./0123456789:;<=>?@[\\]^_`{|}~'.padEnd(255, 'x');
    const first = await f.api.post('/v1/verifications', { to: '+12025550144', channel: 'sms' }, idem(key));
    expect(first.status).toBe(201);
    const retry = await f.api.post('/v1/verifications', { to: '+12025550144', channel: 'sms' }, idem(key));
    expect(retry).toMatchObject({ status: 201, body: { id: first.body.id } });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('keeps keys apart per API key: another tenant with the same key and body gets its own verification', async () => {
    const mine = await f.api.post('/v1/verifications', { to: '+12025550145', channel: 'sms' }, idem('shared-145'));
    const theirs = await smsOnly.post('/v1/verifications', { to: '+12025550145', channel: 'sms' }, idem('shared-145'));
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('replays a refusal the engine decided (4xx), even once a new run would succeed', async () => {
    const pending = await f.api.post('/v1/verifications', { to: '+12025550146', channel: 'sms' });
    const refused = await f.api.post('/v1/verifications', { to: '+12025550146', channel: 'sms' }, idem('order-146'));
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'VERIFICATION_ACTIVE_EXISTS' } } });
    await f.api.post(`/v1/verifications/${pending.body.id}/cancel`);

    const retry = await f.api.post('/v1/verifications', { to: '+12025550146', channel: 'sms' }, idem('order-146'));
    expect(retry).toMatchObject({ status: 409, body: refused.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await f.api.post('/v1/verifications', { to: '+12025550146', channel: 'sms' }, idem('order-146b'))).status).toBe(201);
  });

  it('keeps no 429: a retry after the limit passed runs anew', async () => {
    expect((await tiny.post('/v1/verifications', { to: '+12025550147', channel: 'sms' })).status).toBe(201);
    const limited = await tiny.post('/v1/verifications', { to: '+12025550148', channel: 'sms' }, idem('order-148'));
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    const again = await tiny.post('/v1/verifications', { to: '+12025550148', channel: 'sms' }, idem('order-148'));
    expect(again.status).toBe(429);
    expect(again.headers.get('idempotent-replayed')).toBeNull();

    await f.advance(3_600_000);
    const later = await tiny.post('/v1/verifications', { to: '+12025550148', channel: 'sms' }, idem('order-148'));
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('replays POST …/next instead of running another step', async () => {
    const started = await f.api.post('/v1/verifications', { to: '+12025550149', workflow: 'sms-sms' });
    await f.waitFor(started.body.id, (v) => v.attempts.length === 1, 'the first SMS');
    const next = await f.api.post(`/v1/verifications/${started.body.id}/next`, undefined, idem('next-149'));
    expect(next.status).toBe(200);
    const retry = await f.api.post(`/v1/verifications/${started.body.id}/next`, undefined, idem('next-149'));
    expect(retry).toMatchObject({ status: 200, body: next.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // run again, it would have found no step left
    expect((await f.api.post(`/v1/verifications/${started.body.id}/next`)).body).toMatchObject({ error: { code: 'VERIFY_NO_NEXT_STEP' } });
  });

  it('forgets a key after 24 hours', async () => {
    const first = await f.api.post('/v1/verifications', { to: '+12025550150', channel: 'sms' }, idem('order-150'));
    expect(first.status).toBe(201);
    await f.advance(24 * 3_600_000);
    const later = await f.api.post('/v1/verifications', { to: '+12025550151', channel: 'sms' }, idem('order-150'));
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('documents the header and the 409/422 answers in the OpenAPI document', async () => {
    const doc = (await f.api.get('/openapi.json')).body;
    for (const path of ['/v1/verifications', '/v1/verifications/{id}/next']) {
      const op = doc.paths[path].post;
      expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false })]));
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
  });
});
