/**
 * Builds the ESL driver against the fake FreeSWITCH (test/fakes/esl) for contract, integration
 * and fault tests. Quiet by default; PBXVERIFY_TEST_LOG=debug shows the driver's logs.
 */
import pino, { type Logger } from 'pino';
import { systemClock } from '../../../src/lib/clock';
import { FreeSwitchPbx, type FreeSwitchSettings } from '../../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch, type FakeFreeSwitchOptions } from '../../fakes/esl/fake-freeswitch';

export const TEST_SETTINGS: FreeSwitchSettings = {
  dialString: 'sofia/gateway/{trunk}/{number}',
  defaultTrunk: 'pbxverify',
  soundsDir: '/usr/share/freeswitch/sounds',
  chatTo: 'qa/sip:{number}@127.0.0.1:5090',
  commandTimeoutMs: 2000,
  connectTimeoutMs: 3000,
  reconnectMaxDelayMs: 300,
  keepaliveMs: 60_000,
};

export function testLogger(): Logger {
  const level = process.env.PBXVERIFY_TEST_LOG ?? 'silent';
  return pino({ level });
}

export interface EslRig {
  fake: FakeFreeSwitch;
  pbx: FreeSwitchPbx;
  close(): Promise<void>;
}

/** Starts a fake FreeSWITCH and a driver connected to it. */
export async function startRig(
  options: { fake?: FakeFreeSwitchOptions; settings?: Partial<FreeSwitchSettings>; start?: boolean; password?: string } = {},
): Promise<EslRig> {
  const fake = new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0, ...options.fake });
  await fake.start();
  const pbx = new FreeSwitchPbx({
    target: parseEslUrl(fake.url(options.password)),
    settings: { ...TEST_SETTINGS, ...options.settings },
    logger: testLogger(),
    clock: systemClock,
  });
  if (options.start !== false) await pbx.start();
  return {
    fake,
    pbx,
    async close() {
      await pbx.stop();
      await fake.stop();
    },
  };
}
