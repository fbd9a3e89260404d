import { startRig } from '../support/esl/harness';
import { pbxContract, QA_NUMBERS } from './pbx';

pbxContract('freeswitch-esl driver on the ESL fake', async () => {
  const rig = await startRig();
  return {
    pbx: rig.pbx,
    lang: 'en',
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    sentMessages: () => rig.fake.messages,
    close: () => rig.close(),
  };
});
