import type { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { PAUSES } from '../../src/prompts/sequence';
import { RtpPhone } from '../support/rtp-phone';
import { phoneAddress, voiceCallHeard } from './audio-support';
import { LIVE_SIP_PROFILE, livePbx } from './esl-support';
import { skippedUnless } from './live-settings';

/**
 * What FreeSWITCH plays, captured as RTP at a SIP phone it dials through the QA profile, against
 * `prompts render` (issue 18): every sample of the render arrives, µ-law for µ-law, lead-in
 * included, and nothing else is voiced, at every lead-in. `file_string://` plays 250 ms of silence
 * before its first file (mod_dptools): a lead-in of 250 ms or more absorbs them, and a shorter one
 * is played as queued segments (commands.ts playbackSegments), so no lead-in starts late.
 */
const audio = skippedUnless('what a live FreeSWITCH plays equals prompts render (RTP captured at a SIP phone)', 'PBXVERIFY_LIVE_RTP_PHONE');
(audio.run ? describe : describe.skip)(audio.title, () => {
  let pbx: FreeSwitchPbx;
  let phone: RtpPhone;
  beforeAll(async () => {
    const { host, port } = phoneAddress(process.env.PBXVERIFY_LIVE_RTP_PHONE ?? '');
    phone = new RtpPhone(host, port);
    await phone.start();
    pbx = livePbx({ dialString: `sofia/${LIVE_SIP_PROFILE}/{number}@${host}:${port}` });
    await pbx.start();
  });
  afterAll(async () => {
    await pbx?.stop();
    await phone?.stop();
  });

  it.each([[undefined], [0], [0], [240], [1000]])('plays the render of a call with lead-in %p sample for sample', async (leadInMs) => {
    const heard = await voiceCallHeard(pbx, phone, { code: '482913', leadInMs });
    process.stdout.write(`freeswitch lead-in ${String(leadInMs ?? PAUSES.leadIn)} ms: ${JSON.stringify(heard)}\n`);
    expect(heard.result).toBe('delivered');
    expect(heard.correlation).toBeGreaterThan(0.99);
    expect(heard).toMatchObject({ mismatched: 0, missingAtStart: 0, extraVoiced: 0 });
    // no start delay at any lead-in (before issue 18's queued segments, 2,000 samples below 250 ms)
    expect(heard.lagSamples).toBe(0);
  });
});
