import { pbxContract } from '../contract/pbx';
import { describeLive, LIVE_DIAL, liveSettings, livePbx } from './esl-support';

describeLive(`live FreeSWITCH (${LIVE_DIAL})`, () => {
  pbxContract('freeswitch-esl driver on a real FreeSWITCH', async () => {
    const pbx = livePbx();
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
      supportsMessages: liveSettings().chatTo !== undefined,
      close: () => pbx.stop(),
    };
  });
});
