import pino from 'pino';
import { configSchema } from '../../src/config/schema';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import type { Pbx } from '../../src/pbx/port';
import { compileTable } from '../../src/routing/route-table';
import { RoutedPbx } from '../../src/routing/routed-pbx';
import { Router } from '../../src/routing/router';
import { FakeAri } from '../fakes/ari/fake-ari';
import { makeDriver } from '../fakes/ari/harness';
import { loadRecordings } from '../fakes/ari/recordings';
import { loadCases, ReplayFreeSwitch } from '../fakes/esl/replay-freeswitch';
import { TEST_SETTINGS, testLogger } from '../support/esl/harness';

/**
 * Failover within one attempt, through the router, the dialer and a real driver, on recordings of
 * a real PBX: the first trunk gets what Asterisk / FreeSWITCH reported for a refusal, the second
 * what they reported for an answer.
 */
const logger = pino({ level: 'silent' });
const GB = '+442079460123';
const BREAKER = { window: 10, minCalls: 5, minAsr: 0.1, maxConsecutiveFailures: 3, openMs: 60_000 };

function routerFor(trunks: unknown[]): Router {
  const config = configSchema.parse({ trunks, routes: [{ match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-b'], callerId: 'local' }] });
  return new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER);
}

function dialer(nodes: Array<{ name: string; pbx: Pbx }>): DialerPbx {
  return new DialerPbx({ nodes, clock: systemClock, logger, defaultLimits: { cps: 100, maxConcurrent: 100 }, queueMaxLength: 10, queueTimeoutMs: 5000, healthCheckMs: 1000, downAfterChecks: 3 });
}

describe('failover on the Asterisk 22 recordings', () => {
  const recordings = loadRecordings(0.1);
  const script = (name: string) => recordings.find((r) => r.name === name)!.script;
  let fake: FakeAri;
  let routed: RoutedPbx;
  let router: Router;

  beforeAll(async () => {
    fake = new FakeAri({ user: 'u', password: 'p' });
    await fake.start();
    router = routerFor([
      { name: 'carrier-a', dial: { asterisk: 'PJSIP/{number}@carrier-a' }, callerIds: ['+442037691880', '+12025550180'] },
      { name: 'carrier-b', dial: { asterisk: 'PJSIP/00{digits}@carrier-b' }, callerIds: ['+12025550181'] },
    ]);
    routed = new RoutedPbx(dialer([{ name: 'ari', pbx: makeDriver(fake.ariUrl('verify', 'u', 'p')) }]), router, systemClock, logger);
    await routed.start();
  });
  afterAll(async () => {
    await routed.stop();
    await fake.stop();
  });

  it('moves a call refused with congestion on carrier-a to carrier-b, which answers', async () => {
    fake.originated.length = 0;
    fake.replayNext(script('congestion'));
    fake.replayNext(script('answer-and-hangup'));
    const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 3000, tag: 't' }, { timeoutMs: 10_000 });
    expect(result.ok).toBe(true);
    expect(result.route).toMatchObject({ trunk: 'carrier-b', callerId: '+12025550181', failover: [{ trunk: 'carrier-a', outcome: 'congestion' }] });
    expect(fake.originated).toEqual([
      { endpoint: `PJSIP/${GB}@carrier-a`, callerId: '+442037691880' },
      { endpoint: 'PJSIP/00442079460123@carrier-b', callerId: '+12025550181' },
    ]);
    if (result.ok) await result.call.ended;
  });

  it('ends on busy (a person cause) without trying carrier-b', async () => {
    fake.originated.length = 0;
    fake.replayNext(script('pjsip-sipp-busy'));
    const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 3000, tag: 't' }, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, end: { outcome: 'busy' }, route: { trunk: 'carrier-a', failover: [] } });
    expect(fake.originated).toHaveLength(1);
  });

  it('fails over when the PBX cannot create the endpoint (HTTP 500), and reports the last refusal when every trunk refuses', async () => {
    fake.originated.length = 0;
    fake.replayNext(script('bad-tech'));
    fake.replayNext(script('congestion'));
    const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 3000, tag: 't' }, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, end: { outcome: 'congestion' }, route: { trunk: 'carrier-b', failover: [{ trunk: 'carrier-a', outcome: 'failed' }] } });
    expect(fake.originated).toHaveLength(2);
  });

  it('takes carrier-a out of rotation after consecutive trunk failures, and counts them per trunk', async () => {
    // So far on carrier-a: congestion, busy (a person cause: the count restarts), bad-tech.
    for (const refusal of ['congestion', 'bad-tech']) {
      fake.replayNext(script(refusal));
      fake.replayNext(script('answer-and-hangup'));
      const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 3000, tag: 't' }, { timeoutMs: 10_000 });
      expect(result.route?.trunk).toBe('carrier-b');
      if (result.ok) await result.call.ended;
    }
    const [a, b] = router.describe();
    expect(a).toMatchObject({ name: 'carrier-a', attempts: 5, answered: 0, state: 'open', open_reason: '3 trunk-cause failures in a row' });
    expect(a?.failures_by_cause).toEqual({ congestion: 2, failed: 2, 'busy q850=17 sip=486': 1 });
    expect(b).toMatchObject({ name: 'carrier-b', state: 'closed', attempts: 4, answered: 3 });
  });

  it('skips the open trunk: the next call goes straight to carrier-b', async () => {
    fake.originated.length = 0;
    fake.replayNext(script('answer-and-hangup'));
    const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 3000, tag: 't' }, { timeoutMs: 10_000 });
    expect(result.route).toMatchObject({ trunk: 'carrier-b', failover: [{ trunk: 'carrier-a', cause: { text: 'trunk out of rotation (breaker open)' } }] });
    expect(fake.originated.map((o) => o.endpoint)).toEqual(['PJSIP/00442079460123@carrier-b']);
    if (result.ok) await result.call.ended;
  });
});

describe('failover on the FreeSWITCH 1.10 recordings, one trunk per node', () => {
  const cases = loadCases();
  let refusing: ReplayFreeSwitch;
  let answering: ReplayFreeSwitch;
  let routed: RoutedPbx;

  beforeAll(async () => {
    refusing = new ReplayFreeSwitch(cases.find((c) => c.case === 'bad-dialstring')!);
    answering = new ReplayFreeSwitch(cases.find((c) => c.case === 'sip-answer-and-press-pgd')!);
    await refusing.start();
    await answering.start();
    const node = (replay: ReplayFreeSwitch) => ({
      name: `esl://127.0.0.1:${replay.port}`,
      pbx: new FreeSwitchPbx({ target: parseEslUrl(replay.url()), settings: { ...TEST_SETTINGS }, logger: testLogger(), clock: systemClock }),
    });
    const router = routerFor([
      { name: 'carrier-a', nodes: [`esl://127.0.0.1:${refusing.port}`], dial: { freeswitch: 'sofia/gateway/carrier-a/{number}' }, callerIds: ['+442037691880'] },
      { name: 'carrier-b', nodes: [`esl://127.0.0.1:${answering.port}`], dial: { freeswitch: 'sofia/gateway/carrier-b/{number}' }, callerIds: ['+442037691881'] },
    ]);
    routed = new RoutedPbx(dialer([node(refusing), node(answering)]), router, systemClock, logger);
    await routed.start();
  });
  afterAll(async () => {
    await routed.stop();
    await refusing.stop();
    await answering.stop();
  });

  it('moves INVALID_PROFILE on carrier-a (its node) to carrier-b (the other node), which answers', async () => {
    const result = await routed.originate({ to: GB, lang: 'en', channel: 'call', ringTimeoutMs: 5000, tag: 't' }, { timeoutMs: 20_000 });
    expect(result.ok).toBe(true);
    expect(result.route).toMatchObject({ trunk: 'carrier-b', callerId: '+442037691881', failover: [{ trunk: 'carrier-a', outcome: 'failed', cause: { text: 'INVALID_PROFILE' } }] });
    if (result.ok) await result.call.hangup();
  });
});
