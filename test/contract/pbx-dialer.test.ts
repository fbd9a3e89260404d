import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { FakeAri } from '../fakes/ari/fake-ari';
import { ARI_NUMBERS, makeDriver } from '../fakes/ari/harness';
import { contractDialer } from '../support/contract-dialer';
import { pbxContract, QA_NUMBERS } from './pbx';

/** The same contract, through the dialer in front of two simulator nodes. */
pbxContract('dialer over two simulator nodes', async () => {
  const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
  const logger = pino({ level: 'silent' });
  const sims = [1, 2].map(
    () => new SimulatorPbx({ clock: systemClock, logger, speed: 20, durationMs: (lang, id) => catalog.durationMs(lang, id) }),
  );
  const pbx = contractDialer(sims.map((sim, i) => ({ name: `sim-${i + 1}`, pbx: sim })));
  await pbx.start();
  return {
    pbx,
    lang: 'en',
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    beforePress: (to, digits) => sims.forEach((sim) => sim.showOnScreen(to, digits)),
    close: () => pbx.stop(),
  };
});

/** And through the dialer in front of two ARI drivers, each on its own wire-level fake Asterisk. */
pbxContract('dialer over two asterisk-ari nodes (fake ARI)', async () => {
  const fakes = [new FakeAri({ timeScale: 0.25 }), new FakeAri({ timeScale: 0.25 })];
  for (const fake of fakes) await fake.start();
  const pbx = contractDialer(fakes.map((fake, i) => ({ name: `asterisk-${i + 1}`, pbx: makeDriver(fake.ariUrl()) })));
  await pbx.start();
  return {
    pbx,
    lang: 'en',
    numbers: ARI_NUMBERS,
    shortRingMs: 3_000,
    close: async () => {
      await pbx.stop();
      for (const fake of fakes) await fake.stop();
    },
  };
});
