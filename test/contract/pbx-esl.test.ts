import { startRig } from '../support/esl/harness';
import { pbxContract } from './pbx';

pbxContract('freeswitch-esl driver on the ESL fake', async () => {
  const rig = await startRig();
  return {
    pbx: rig.pbx,
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
    supportsMessages: true,
    close: () => rig.close(),
  };
});
