import type { AriPbx } from '../../src/pbx/asterisk-ari/ari-pbx';
import type { OriginateResult } from '../../src/pbx/port';
import { FakeAri } from '../fakes/ari/fake-ari';
import { makeDriver } from '../fakes/ari/harness';
import { loadRecordings, type Recording } from '../fakes/ari/recordings';

/** The Asterisk 22 recordings replayed over the wire to one ARI driver (one fake Asterisk per describe). */
export interface AriReplay {
  /** The recordings of test/fixtures/ari, their times multiplied by the scale. */
  readonly recordings: readonly Recording[];
  /** Outbound recordings only (an originate to replay each against). */
  readonly outbound: readonly Recording[];
  /** The driver (set once beforeAll ran). */
  readonly pbx: AriPbx;
  /** A recording by name; throws when it is missing. */
  named(name: string): Recording;
  /** The fake answers the next originate with `rec`; resolves with the driver's result and how long it took. */
  originate(rec: Recording, ringTimeoutMs: number): Promise<{ result: OriginateResult; elapsedMs: number }>;
}

/**
 * Starts a fake Asterisk and a driver on it for the enclosing describe (beforeAll / afterAll):
 * the one replay loop of the ARI recordings, used by the driver's outcome mapping
 * (test/integration/asterisk-ari/replay-recordings.test.ts) and by the routing cause table
 * (test/integration/routing-causes-replay.test.ts).
 */
export function useAriReplay(scale: number): AriReplay {
  const recordings = loadRecordings(scale);
  let fake: FakeAri | undefined;
  let pbx: AriPbx | undefined;
  beforeAll(async () => {
    fake = new FakeAri({ user: 'u', password: 'p' });
    await fake.start();
    pbx = makeDriver(fake.ariUrl('verify', 'u', 'p'));
    await pbx.start();
  });
  afterAll(async () => {
    await pbx?.stop();
    await fake?.stop();
  });
  return {
    recordings,
    outbound: recordings.filter((r) => !r.inbound),
    get pbx() {
      if (!pbx) throw new Error('the ARI replay starts in beforeAll');
      return pbx;
    },
    named(name) {
      const rec = recordings.find((r) => r.name === name);
      if (!rec) throw new Error(`recording ${name} missing`);
      return rec;
    },
    async originate(rec, ringTimeoutMs) {
      if (!fake || !pbx) throw new Error('the ARI replay starts in beforeAll');
      fake.replayNext(rec.script);
      const started = performance.now();
      const result = await pbx.originate({ to: '+12025550100', lang: 'en', ringTimeoutMs, tag: 'replay' }, { timeoutMs: 20_000 });
      return { result, elapsedMs: performance.now() - started };
    },
  };
}
