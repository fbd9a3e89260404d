import { join } from 'node:path';
import { systemClock } from '../../src/lib/clock';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import { classifyEnd, type Verdict } from '../../src/routing/causes';
import { ARI_RECORDINGS } from '../fixtures/paths';
import { loadCases, ReplayFreeSwitch } from '../fakes/esl/replay-freeswitch';
import { useAriReplay } from '../support/ari-replay';
import { TEST_SETTINGS, testLogger } from '../support/esl/harness';
import { readFileSync } from 'node:fs';

/**
 * The cause table (src/routing/causes.ts) judged against what real PBXs report: each recording
 * (Asterisk 22 in test/fixtures/ari/cases, FreeSWITCH 1.10 in
 * test/fixtures/esl) is replayed over the wire to its driver, and the end the driver
 * reports is classified with the time it took, as the router does.
 */
const ARI_DIR = join(ARI_RECORDINGS, 'cases');
const SCALE = 0.1;

const ARI_EXPECTED: Record<string, Verdict | 'answered'> = {
  congestion: 'trunk',
  'bad-tech': 'trunk',
  'pjsip-unknown-endpoint': 'trunk',
  'nonexistent-exten': 'trunk',
  busy: 'person',
  'pjsip-sipp-busy': 'person',
  noanswer: 'person',
  'pjsip-sipp-noanswer': 'person',
  reject: 'person',
  unallocated: 'person',
  'hangup-immediately': 'person',
  'answer-and-hangup': 'answered',
};

const ESL_EXPECTED: Record<string, Verdict | 'answered'> = {
  'bad-dialstring': 'trunk',
  'loopback-busy': 'person',
  'sip-busy': 'person',
  'loopback-noanswer': 'person',
  'sip-noanswer': 'person',
  'loopback-hangup-immediately': 'person',
  'sip-hangup-immediately': 'person',
  'loopback-reject': 'person',
  'sip-reject': 'person',
  'loopback-nosuchnumber': 'person',
  'sip-nosuchnumber': 'person',
};

describe('the cause table on the Asterisk 22 recordings', () => {
  const replay = useAriReplay(SCALE);
  const recordings = replay.outbound.filter((r) => ARI_EXPECTED[r.name] !== undefined);

  it('finds every recording it judges', () => {
    expect(recordings.map((r) => r.name).sort()).toEqual(Object.keys(ARI_EXPECTED).sort());
  });

  for (const name of Object.keys(ARI_EXPECTED)) {
    it(`${name}: ${ARI_EXPECTED[name]}`, async () => {
      const timeoutSec = (JSON.parse(readFileSync(join(ARI_DIR, `${name}.json`), 'utf8')) as { originateTimeoutSec?: number }).originateTimeoutSec ?? 30;
      const ringTimeoutMs = timeoutSec * 1000 * SCALE;
      const { result, elapsedMs } = await replay.originate(replay.named(name), ringTimeoutMs);
      if (ARI_EXPECTED[name] === 'answered') {
        expect(result.ok).toBe(true);
        if (result.ok) await result.call.hangup();
        return;
      }
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(classifyEnd(result.end, { elapsedMs, ringTimeoutMs }).verdict).toBe(ARI_EXPECTED[name]);
    });
  }

  it('counts an early 480 as the trunk refusing, and the same 480 at the ring timeout as no answer', async () => {
    const { result } = await replay.originate(replay.named('pjsip-sipp-noanswer'), 30_000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.end.cause).toMatchObject({ q850: 19, sip: 480 });
    expect(classifyEnd(result.end, { elapsedMs: 600, ringTimeoutMs: 30_000 }).verdict).toBe('trunk');
    expect(classifyEnd(result.end, { elapsedMs: 29_900, ringTimeoutMs: 30_000 }).verdict).toBe('person');
  });
});

describe('the cause table on the FreeSWITCH 1.10 recordings', () => {
  const cases = loadCases().filter((c) => ESL_EXPECTED[c.case] !== undefined);

  it('covers every recording of a dial that did not answer', () => {
    expect(cases.map((c) => c.case).sort()).toEqual(Object.keys(ESL_EXPECTED).sort());
  });

  for (const recorded of cases) {
    it(`${recorded.case}: ${ESL_EXPECTED[recorded.case]}`, async () => {
      const replay = new ReplayFreeSwitch(recorded);
      await replay.start();
      const pbx = new FreeSwitchPbx({ target: parseEslUrl(replay.url()), settings: { ...TEST_SETTINGS, dialString: 'loopback/{number}/qa' }, logger: testLogger(), clock: systemClock });
      try {
        await pbx.start();
        const started = performance.now();
        const result = await pbx.originate({ to: '+12025550100', lang: 'en', ringTimeoutMs: 5000, tag: recorded.case }, { timeoutMs: 30_000 });
        const elapsedMs = performance.now() - started;
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(classifyEnd(result.end, { elapsedMs, ringTimeoutMs: 5000 }).verdict).toBe(ESL_EXPECTED[recorded.case]);
      } finally {
        await pbx.stop();
        await replay.stop();
      }
    });
  }
});
