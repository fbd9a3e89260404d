import { pbxContract, QA_NUMBERS } from '../contract/pbx';
import { LIVE_DIAL, livePbx, MessagePhone } from './esl-support';

pbxContract(`freeswitch-esl driver on a real FreeSWITCH (${LIVE_DIAL})`, async () => {
  // The text-message case goes to a SIPp phone started just before it (it fails, saying so, without SIPp).
  const phone = new MessagePhone();
  const pbx = livePbx({ chatTo: phone.chatTo() });
  await pbx.start();
  return {
    pbx,
    lang: 'en',
    numbers: QA_NUMBERS,
    shortRingMs: 3_000,
    beforeMessage: () => phone.listen(),
    close: async () => {
      phone.stop();
      await pbx.stop();
    },
  };
});
