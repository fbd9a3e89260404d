import { pbxContract } from '../contract/pbx';
import { ARI_NUMBERS } from '../fakes/ari/harness';
import { env, isAri, liveDriver, skipNote, startPhone } from './ari-live-env';

// The Pbx contract suite against a real Asterisk, dialling the qa callees of dialplan/asterisk
// (Local/{number}@qa by default).
if (!isAri) {
  describe('Pbx contract on a live Asterisk', () => skipNote('live Asterisk contract'));
} else {
  pbxContract('asterisk-ari on a live Asterisk', async () => {
    const pbx = liveDriver();
    await pbx.start();
    const sink = env('PBXVERIFY_LIVE_MESSAGE_SINK');
    return {
      pbx,
      lang: 'en',
      numbers: ARI_NUMBERS,
      shortRingMs: 5_000,
      supportsMessages: env('PBXVERIFY_LIVE_MESSAGE_TEMPLATE') !== undefined,
      ...(sink ? { beforeMessage: () => startPhone(sink) } : {}),
      close: () => pbx.stop(),
    };
  });
}
