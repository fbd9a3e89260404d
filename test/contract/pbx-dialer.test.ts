import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { pbxContract } from './pbx';

/** The same contract, through the dialer in front of two simulator nodes. */
pbxContract('dialer over two simulator nodes', async () => {
  const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
  const logger = pino({ level: 'silent' });
  const sims = [1, 2].map(
    () => new SimulatorPbx({ clock: systemClock, logger, speed: 20, durationMs: (lang, id) => catalog.durationMs(lang, id) }),
  );
  const pbx = new DialerPbx({
    nodes: sims.map((sim, i) => ({ name: `sim-${i + 1}`, pbx: sim })),
    clock: systemClock,
    logger,
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
    numbers: {
      answer: '+12025550100',
      presses: { to: '+12025550163', digits: '1234' },
      silent: '+12025550102',
      hangsUp: '+12025550108',
      busy: '+12025550103',
      noAnswer: '+12025550104',
      rejected: '+12025550105',
      unreachable: '+12025550106',
      congestion: '+12025550107',
    },
    shortRingMs: 3_000,
    beforePress: (to, digits) => sims.forEach((sim) => sim.showOnScreen(to, digits)),
    supportsMessages: true,
    close: () => pbx.stop(),
  };
});
