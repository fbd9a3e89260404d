import pino, { type Logger } from 'pino';
import { AriPbx, type AriSettings } from '../../../src/pbx/asterisk-ari/ari-pbx';
import { parseAriUrl, stasisAppName } from '../../../src/pbx/asterisk-ari/ari-url';
import type { PbxHarness } from '../../contract/pbx';
import { FakeAri } from './fake-ari';

/** Driver settings for tests: short deadlines and backoff, everything else as in production. */
export const TEST_SETTINGS: AriSettings = {
  endpointTemplate: 'PJSIP/{number}@{trunk}',
  messageTemplate: 'pjsip:{trunk}/sip:{number}@127.0.0.1:5070',
  restTimeoutMs: 2000,
  originateTimeoutMs: 3000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 500,
  pingIntervalMs: 5000,
  lostCallsAfterMs: 5000,
  startTimeoutMs: 2000,
};

export function makeDriver(url: string, settings: Partial<AriSettings> = {}, logger: Logger = pino({ level: 'silent' })): AriPbx {
  const target = parseAriUrl(url);
  return new AriPbx({
    target,
    appName: stasisAppName(target.app),
    settings: { ...TEST_SETTINGS, ...settings },
    defaultTrunk: 'qa',
    logger,
  });
}

/** The test numbers of dialplan/asterisk/extensions.conf (and the fake). */
export const ARI_NUMBERS: PbxHarness['numbers'] = {
  answer: '+12025550102',
  presses: { to: '+12025550100', digits: '1234' },
  silent: '+12025550102',
  hangsUp: '+12025550108',
  busy: '+12025550103',
  noAnswer: '+12025550104',
  rejected: '+12025550105',
  unreachable: '+12025550106',
  congestion: '+12025550107',
};

/** A fake ARI on an ephemeral port plus a started driver. */
export async function fakeAndDriver(settings: Partial<AriSettings> = {}, timeScale = 0.25): Promise<{ fake: FakeAri; pbx: AriPbx }> {
  const fake = new FakeAri({ timeScale });
  await fake.start();
  const pbx = makeDriver(fake.ariUrl(), settings);
  await pbx.start();
  return { fake, pbx };
}
