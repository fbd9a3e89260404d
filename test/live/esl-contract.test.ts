import { pbxContract, QA_NUMBERS } from '../contract/pbx';
import { describeLive, HAS_SIPP, LIVE_DIAL, livePbx, MessagePhone } from './esl-support';

describeLive(`live FreeSWITCH (${LIVE_DIAL})`, () => {
  pbxContract('freeswitch-esl driver on a real FreeSWITCH', async () => {
    // The text-message case goes to a SIPp phone started just before it (when SIPp is installed).
    const phone = new MessagePhone();
    const pbx = livePbx(HAS_SIPP ? { chatTo: `${process.env.PBXVERIFY_LIVE_ESL_SIP_PROFILE ?? 'qa'}/sip:{number}@127.0.0.1:${phone.port}` } : {});
    await pbx.start();
    return {
      pbx,
      lang: 'en',
      numbers: QA_NUMBERS,
      shortRingMs: 3_000,
      supportsMessages: HAS_SIPP,
      beforeMessage: () => phone.listen(),
      close: async () => {
        phone.stop();
        await pbx.stop();
      },
    };
  });
});
