import { configSchema } from '../../src/config/schema';
import { createEngine, type Engine } from '../../src/main';
import type { ApiKeyConfig } from '../../src/config/schema';
import type { VerificationRecord } from '../../src/verification/model';
import { eventually } from '../support/api-client';

/**
 * An SMS step writes its attempt's start and its end. The end is one compare-and-set on the
 * version the start wrote (no read first, issue 18); when anyone wrote in between, the write is
 * refused and the usual read-and-retry applies the end to the newer version. Real engine, memory
 * store and simulator; the store's methods are counted (called through), never replaced.
 */
describe("an SMS step's end is one compare-and-set on the version its start wrote", () => {
  let engine: Engine;
  let key: ApiKeyConfig;
  const reads = new Map<string, number>();
  /** Called before each write reaches the store (the race test writes in between). */
  let beforeWrite: (next: VerificationRecord) => Promise<void> = async () => undefined;
  /** The store's own read, uncounted (the test's polling). */
  let peek: (id: string) => Promise<VerificationRecord | undefined>;

  beforeAll(async () => {
    const config = configSchema.parse({
      port: 0,
      logLevel: 'silent',
      secret: 'sms-step-writes-secret-0123456789abcdefgh',
      history: { url: 'off' },
      scheduler: { pollMs: 20 },
      apiKeys: [{ id: 'shop', secret: 'shop-secret-0123456789abcdef' }],
    });
    engine = await createEngine(config);
    const store = engine.store;
    const get = store.get.bind(store);
    peek = get;
    const update = store.update.bind(store);
    store.get = async (id) => {
      reads.set(id, (reads.get(id) ?? 0) + 1);
      return get(id);
    };
    store.update = async (next, ttlMs) => {
      await beforeWrite(next);
      return update(next, ttlMs);
    };
    await engine.start();
    key = config.apiKeys[0] as ApiKeyConfig;
  }, 30_000);
  afterAll(async () => {
    await engine?.stop();
  });

  const finished = (id: string): Promise<VerificationRecord> =>
    eventually(async () => {
      const record = await peek(id);
      return record?.attempts[0]?.status === 'completed' ? record : undefined;
    }, 'the SMS attempt to end');

  it('reads the record once for the step (its start), not again for its end; the record ends as before', async () => {
    const { record } = await engine.service.start(key, { to: '+4915112345678', channel: 'sms' });
    const done = await finished(record.id);
    // create (v1), attempt started (v2), attempt completed (v3); only the start's read.
    expect(done.v).toBe(3);
    expect(reads.get(record.id)).toBe(1);
    expect(done.status).toBe('pending');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ n: 1, channel: 'sms', status: 'completed', result: 'delivered', sms: { gateway: expect.any(String), status: 'submitted', parts: 1 } });
    expect(done.attempts[0]?.endedAt).toEqual(expect.any(Number));
  });

  it('a write between the start and the end (a wrong code checked meanwhile) is kept: the end is applied to the newer version', async () => {
    let raced = false;
    beforeWrite = async (next) => {
      if (raced || next.attempts[0]?.status !== 'completed') return;
      raced = true;
      // Another request writes after the start and before the end reaches the store.
      await expect(engine.service.check(key, next.id, '000000')).resolves.toMatchObject({ verified: false });
    };
    const { record } = await engine.service.start(key, { to: '+4915112345679', channel: 'sms' });
    const done = await finished(record.id);
    beforeWrite = async () => undefined;
    expect(raced).toBe(true);
    // v4: the check's write (v3) came between; the end was refused on v2 and applied on v3.
    expect(done.v).toBe(4);
    expect(done.wrongChecks).toBe(1);
    expect(done.attempts[0]).toMatchObject({ status: 'completed', result: 'delivered' });
    expect(done.status).toBe('pending');
  });

  it('a verification canceled between the start and the end ends canceled, the attempt closed once', async () => {
    let raced = false;
    beforeWrite = async (next) => {
      if (raced || next.attempts[0]?.status !== 'completed' || next.status !== 'pending') return;
      raced = true;
      await engine.service.cancel(key, next.id);
    };
    const { record } = await engine.service.start(key, { to: '+4915112345680', channel: 'sms' });
    const done = await eventually(async () => {
      const r = await peek(record.id);
      return r?.status === 'canceled' && r.attempts[0]?.status === 'completed' ? r : undefined;
    }, 'the canceled verification with its attempt closed');
    beforeWrite = async () => undefined;
    expect(raced).toBe(true);
    expect(done.attempts).toHaveLength(1);
    expect(['delivered', 'aborted']).toContain(done.attempts[0]?.result);
  });
});
