import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configSchema } from '../../src/config/schema';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { compileTable } from '../../src/routing/route-table';
import { RoutedPbx } from '../../src/routing/routed-pbx';
import { Router } from '../../src/routing/router';
import { env, liveDriver } from './ari-support';
import { skippedUnless } from './live-settings';

/**
 * Routing on a live Asterisk: two trunks to two SIPp phones this test starts, one refusing with
 * 503, the other answering. The call fails over inside one originate and is answered on the
 * second trunk, and the caller ID that phone receives (From and P-Asserted-Identity) is the
 * local-presence choice of that trunk's pool.
 */
const endpoint = env('PBXVERIFY_LIVE_ROUTING_ENDPOINT');
const live = skippedUnless('routing on a live Asterisk: failover on 503 and local presence', 'PBXVERIFY_LIVE_ROUTING_ENDPOINT');

function phone(scenario: string, port: number, trace: string, media?: number): void {
  const args = ['-sf', join(__dirname, 'sipp', scenario), '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-bg', '-trace_msg', '-message_file', trace, ...(media ? ['-mi', '127.0.0.1', '-mp', String(media)] : [])];
  const started = spawnSync('sipp', args, { encoding: 'utf8' });
  if (!/PID=\[\d+\]/.test(`${started.stdout}${started.stderr}`)) throw new Error(`sipp did not start: ${started.stdout}${started.stderr}`);
  spawnSync('sleep', ['0.3']);
}

(live.run ? describe : describe.skip)(live.title, () => {
  it('fails over from the refusing trunk to the answering one and presents the local caller ID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxverify-live-routing-'));
    phone('uas-refuse-503.xml', 5063, join(dir, 'refusing.log'));
    phone('uas-answer.xml', 5064, join(dir, 'answering.log'), 6100);
    const config = configSchema.parse({
      trunks: [
        { name: 'carrier-a', dial: { asterisk: `PJSIP/${endpoint}/sip:{digits}@127.0.0.1:5063` }, callerIds: ['+442037691880', '+12025550180'] },
        { name: 'carrier-b', dial: { asterisk: `PJSIP/${endpoint}/sip:{digits}@127.0.0.1:5064` }, callerIds: ['+442037691881', '+441612345678'] },
      ],
      routes: [{ match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-b'], callerId: 'local' }],
    });
    const router = new Router(compileTable(config.trunks, config.routes, 60_000), { window: 50, minCalls: 20, minAsr: 0.05, maxConsecutiveFailures: 5, openMs: 30_000 });
    const logger = pino({ level: 'silent' });
    const dialer = new DialerPbx({ nodes: [{ name: 'ari', pbx: liveDriver() }], clock: systemClock, logger, defaultLimits: { cps: 10, maxConcurrent: 10 }, queueMaxLength: 10, queueTimeoutMs: 5000, healthCheckMs: 500, downAfterChecks: 3 });
    const routed = new RoutedPbx(dialer, router, systemClock, logger);
    await routed.start();
    try {
      const result = await routed.originate({ to: '+441619460123', lang: 'en', channel: 'call', ringTimeoutMs: 15_000, tag: 'live-routing' }, { timeoutMs: 30_000 });
      expect(result.ok).toBe(true);
      expect(result.route).toMatchObject({ trunk: 'carrier-b', callerId: '+441612345678', failover: [{ trunk: 'carrier-a', outcome: 'congestion', cause: { sip: 503 } }] });
      if (result.ok) await result.call.hangup();
    } finally {
      await routed.stop();
    }
    spawnSync('sleep', ['1']);
    const answering = readFileSync(join(dir, 'answering.log'), 'utf8');
    expect(answering).toMatch(/^From: <sip:\+441612345678@/m);
    expect(answering).toMatch(/^P-Asserted-Identity: <sip:\+441612345678@/m);
    expect(readFileSync(join(dir, 'refusing.log'), 'utf8')).toMatch(/^From: <sip:\+442037691880@/m);
  }, 60_000);
});
