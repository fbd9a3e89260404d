import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { pbxContract } from './pbx';

pbxContract('simulator', async () => {
  const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
  const pbx = new SimulatorPbx({
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    speed: 20,
    durationMs: (lang, id) => catalog.durationMs(lang, id),
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
    beforePress: (to, digits) => pbx.showOnScreen(to, digits),
    supportsMessages: true,
    close: () => pbx.stop(),
  };
});
