import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { pbxContract, QA_NUMBERS } from './pbx';

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
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    beforePress: (to, digits) => pbx.showOnScreen(to, digits),
    sentMessages: () => pbx.messageLog(),
    close: () => pbx.stop(),
  };
});
