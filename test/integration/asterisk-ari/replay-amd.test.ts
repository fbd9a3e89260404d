import type { AriPbx } from '../../../src/pbx/asterisk-ari/ari-pbx';
import { FakeAri } from '../../fakes/ari/fake-ari';
import { makeDriver } from '../../fakes/ari/harness';
import { loadAmdRecordings } from '../../fakes/ari/recordings';

/**
 * The answering-machine detection recordings of Asterisk 22 (test/fixtures/ari/amd, made with
 * test/fixtures/record-ari-amd.ts) replayed over the wire through the driver: the continue into
 * [pbxverify-amd], the StasisEnd and the dialplan events while AMD() runs, the StasisStart(amd)
 * and the variables read back become the verdict.
 */
const EXPECTED: Record<string, { result: string; cause: string; beep?: boolean }> = {
  'amd-machine-hangup': { result: 'machine', cause: 'MAXWORDS-3-2' },
  'amd-machine-wait-for-beep': { result: 'machine', cause: 'MAXWORDS-3-2', beep: true },
  // Local channel: the callee's Wait() sends no frames, AMD() never hears the silence after the word
  'amd-human-hangup': { result: 'notsure', cause: 'TOOLONG-4900' },
  'amd-human-wait-for-beep': { result: 'notsure', cause: 'TOOLONG-4900' },
};

const recordings = loadAmdRecordings(0.1);

describe('replaying the Asterisk 22 AMD recordings through the driver', () => {
  let fake: FakeAri;
  let pbx: AriPbx;

  beforeAll(async () => {
    fake = new FakeAri({ user: 'u', password: 'p' });
    await fake.start();
    pbx = makeDriver(fake.ariUrl('verify', 'u', 'p'));
    await pbx.start();
  });
  afterAll(async () => {
    await pbx.stop();
    await fake.stop();
  });

  it('has an expectation for every recording', () => {
    expect(recordings.map((r) => r.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const rec of recordings) {
    const want = EXPECTED[rec.name] as (typeof EXPECTED)[string];
    it(`turns ${rec.name} into ${want.result} (${want.cause})`, async () => {
      fake.replayNext(rec.script);
      const before = fake.requests.length;
      const result = await pbx.originate({ to: '+12025550120', lang: 'en', ringTimeoutMs: 30_000, tag: 'replay-amd', amd: rec.mode }, { timeoutMs: 20_000 });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.call.amd).toMatchObject({ result: want.result, cause: want.cause });
      expect(result.call.amd?.beep).toBe(want.beep);
      const asked = fake.requests.slice(before);
      expect(asked).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/ari\/channels\/[^/]+\/variable$/), expect.stringMatching(/^POST \/ari\/channels\/[^/]+\/continue$/), expect.stringMatching(/^GET \/ari\/channels\/[^/]+\/variable$/)]));
      await result.call.hangup();
    });
  }
});
