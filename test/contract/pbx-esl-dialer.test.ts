import { systemClock } from '../../src/lib/clock';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { contractDialer } from '../support/contract-dialer';
import { TEST_SETTINGS, testLogger } from '../support/esl/harness';
import { pbxContract, QA_NUMBERS } from './pbx';

/** The contract through the dialer in front of two ESL drivers, each on its own fake FreeSWITCH. */
pbxContract('dialer over two freeswitch-esl nodes (fake ESL)', async () => {
  const fakes = [new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0 }), new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0 })];
  for (const fake of fakes) await fake.start();
  const pbx = contractDialer(
    fakes.map((fake, i) => ({
      name: `freeswitch-${i + 1}`,
      pbx: new FreeSwitchPbx({ target: parseEslUrl(fake.url()), settings: TEST_SETTINGS, logger: testLogger(), clock: systemClock }),
    })),
  );
  await pbx.start();
  return {
    pbx,
    lang: 'en',
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    close: async () => {
      await pbx.stop();
      for (const fake of fakes) await fake.stop();
    },
  };
});
