import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { fakeAndDriver } from '../fakes/ari/harness';
import { startRig } from '../support/esl/harness';
import { amdContract } from './pbx-amd';

// One answering-machine detection suite, every driver: the simulator, and the ARI driver on the
// wire-level fake (Local channels into the fake's [pbxverify-amd], from test/fixtures/ari/amd), the
// ESL driver on the ESL fake (avmd_start and wait_for_silence, from test/fixtures/esl/amd).
amdContract('simulator', async () => {
  const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
  const pbx = new SimulatorPbx({ clock: systemClock, logger: pino({ level: 'silent' }), speed: 20, durationMs: (lang, id) => catalog.durationMs(lang, id) });
  await pbx.start();
  return { pbx, machine: '+12025550120', human: '+12025550121', lang: 'en', abortAfterMs: 200, close: () => pbx.stop() };
});

amdContract('asterisk-ari on the fake ARI', async () => {
  const { fake, pbx } = await fakeAndDriver({ endpointTemplate: 'Local/{number}@qa' });
  return {
    pbx,
    machine: '+12025550120',
    human: '+12025550121',
    lang: 'en',
    abortAfterMs: 1000,
    close: async () => {
      await pbx.stop();
      await fake.stop();
    },
  };
});

amdContract('freeswitch-esl on the ESL fake', async () => {
  const rig = await startRig();
  return { pbx: rig.pbx, machine: '+12025550120', human: '+12025550121', lang: 'en', abortAfterMs: 1000, close: () => rig.close() };
});
