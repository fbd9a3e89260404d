import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { compileTable } from '../../src/routing/route-table';
import { RoutedPbx } from '../../src/routing/routed-pbx';
import { Router } from '../../src/routing/router';
import { livePbx } from './esl-support';
import { skippedUnless } from './live-settings';
import { LOCAL_CALLER_ID, ROUTED_CALLEE, routingConfig, startRoutingPhones } from './routing-phones';

/**
 * Routing on a live FreeSWITCH, as test/live/ari-routing.test.ts on Asterisk: two trunks (sofia
 * dial strings through one SIP profile) to two SIPp phones this test starts, one refusing with
 * 503, the other answering. The call fails over inside one originate and is answered on the
 * second trunk, and the answering phone receives the local-presence caller ID in From and
 * P-Asserted-Identity.
 */
const profile = process.env.PBXVERIFY_LIVE_ESL_ROUTING_PROFILE;
const live = skippedUnless('routing on a live FreeSWITCH: failover on 503 and local presence', 'PBXVERIFY_LIVE_ESL_ROUTING_PROFILE');

(live.run ? describe : describe.skip)(live.title, () => {
  it('fails over from the refusing trunk to the answering one and presents the local caller ID', async () => {
    const phones = startRoutingPhones();
    const config = routingConfig('freeswitch', (port) => `sofia/${profile}/{number}@127.0.0.1:${port}`);
    const router = new Router(compileTable(config.trunks, config.routes, 60_000), { window: 50, minCalls: 20, minAsr: 0.05, maxConsecutiveFailures: 5, openMs: 30_000 });
    const logger = pino({ level: 'silent' });
    const dialer = new DialerPbx({ nodes: [{ name: 'esl', pbx: livePbx() }], clock: systemClock, logger, defaultLimits: { cps: 10, maxConcurrent: 10 }, queueMaxLength: 10, queueTimeoutMs: 5000, healthCheckMs: 500, downAfterChecks: 3 });
    const routed = new RoutedPbx(dialer, router, systemClock, logger);
    await routed.start();
    try {
      const result = await routed.originate({ to: ROUTED_CALLEE, lang: 'en', channel: 'call', ringTimeoutMs: 15_000, tag: 'live-routing' }, { timeoutMs: 30_000 });
      expect(result.route).toMatchObject({ trunk: 'carrier-b', callerId: LOCAL_CALLER_ID, failover: [{ trunk: 'carrier-a', outcome: 'congestion', cause: { sip: 503 } }] });
      expect(result.ok).toBe(true);
      if (result.ok) await result.call.hangup();
    } finally {
      await routed.stop();
    }
    spawnSync('sleep', ['1']);
    expect(phones.answering()).toMatch(/^From: (?:"[^"]*" )?<sip:\+441612345678@/m);
    expect(phones.answering()).toMatch(/^P-Asserted-Identity: (?:"[^"]*" )?<sip:\+441612345678@/m);
    expect(phones.refusing()).toMatch(/^From: (?:"[^"]*" )?<sip:\+442037691880@/m);
  }, 60_000);
});
