import { pbxContract } from '../contract/pbx';
import { ARI_NUMBERS } from '../fakes/ari/harness';
import { env, liveDriver, startPhone } from './ari-support';
import { skippedUnless } from './live-settings';

// The Pbx contract suite against a real Asterisk, dialling the qa callees of dialplan/asterisk
// (Local/{number}@qa by default).
const messages = skippedUnless('sends a text message', 'PBXVERIFY_LIVE_MESSAGE_TEMPLATE', 'PBXVERIFY_LIVE_MESSAGE_SINK');
pbxContract(
  'asterisk-ari on a live Asterisk',
  async () => {
    const pbx = liveDriver();
    await pbx.start();
    const sink = env('PBXVERIFY_LIVE_MESSAGE_SINK');
    return {
      pbx,
      lang: 'en',
      numbers: ARI_NUMBERS,
      shortRingMs: 5_000,
      ...(sink ? { beforeMessage: () => startPhone(sink) } : {}),
      close: () => pbx.stop(),
    };
  },
  messages.run ? {} : { messagesSkipped: messages.title },
);
