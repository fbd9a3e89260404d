import type { AriPbx } from '../../src/pbx/asterisk-ari/ari-pbx';
import { PAUSES } from '../../src/prompts/sequence';
import { RtpPhone } from '../support/rtp-phone';
import { env, liveDriver } from './ari-support';
import { phoneAddress, voiceCallHeard } from './audio-support';
import { skippedUnless } from './live-settings';

/**
 * What Asterisk plays, captured as RTP at a SIP phone, against `prompts render` (issue 18): every
 * sample of the render arrives, µ-law for µ-law, lead-in included, and nothing else is voiced.
 * Before the fix Asterisk dropped the last 44 bytes of every file (126.5 ms per call).
 */
const audio = skippedUnless('what a live Asterisk plays equals prompts render (RTP captured at a SIP phone)', 'PBXVERIFY_LIVE_SIP_TEMPLATE', 'PBXVERIFY_LIVE_RTP_PHONE');
(audio.run ? describe : describe.skip)(audio.title, () => {
  let pbx: AriPbx;
  let phone: RtpPhone;
  beforeAll(async () => {
    const { host, port } = phoneAddress(env('PBXVERIFY_LIVE_RTP_PHONE') ?? '');
    phone = new RtpPhone(host, port);
    await phone.start();
    pbx = liveDriver({ endpointTemplate: env('PBXVERIFY_LIVE_SIP_TEMPLATE') ?? '' });
    await pbx.start();
  });
  afterAll(async () => {
    await pbx?.stop();
    await phone?.stop();
  });

  it.each([[undefined], [0], [0], [1000]])('plays the render of a call with lead-in %p sample for sample', async (leadInMs) => {
    const heard = await voiceCallHeard(pbx, phone, { code: '482913', leadInMs });
    process.stdout.write(`asterisk lead-in ${String(leadInMs ?? PAUSES.leadIn)} ms: ${JSON.stringify(heard)}\n`);
    expect(heard.result).toBe('delivered');
    expect(heard.correlation).toBeGreaterThan(0.99);
    expect(heard).toMatchObject({ mismatched: 0, missingAtStart: 0, extraVoiced: 0, lagSamples: 0 });
    // Every sample of every file: before the fix each file lost its last 44 bytes.
    expect(heard.capturedSamples).toBe(heard.renderedSamples);
  });
});
