import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { TEST_SETTINGS, testLogger } from '../support/esl/harness';
import { pbxContract, QA_NUMBERS } from './pbx';

/** The contract through the dialer in front of two ESL drivers, each on its own fake FreeSWITCH. */
pbxContract('dialer over two freeswitch-esl nodes (fake ESL)', async () => {
  const fakes = [new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0 }), new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0 })];
  for (const fake of fakes) await fake.start();
  const pbx = new DialerPbx({
    nodes: fakes.map((fake, i) => ({
      name: `freeswitch-${i + 1}`,
      pbx: new FreeSwitchPbx({ target: parseEslUrl(fake.url()), settings: TEST_SETTINGS, logger: testLogger(), clock: systemClock }),
    })),
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    defaultLimits: { cps: 50, maxConcurrent: 20 },
    queueMaxLength: 50,
    queueTimeoutMs: 10_000,
    healthCheckMs: 100,
    downAfterChecks: 2,
  });
  await pbx.start();
  return {
    pbx,
    lang: 'en',
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    supportsMessages: true,
    close: async () => {
      await pbx.stop();
      for (const fake of fakes) await fake.stop();
    },
  };
});
