import pino from 'pino';
import { runReverse } from '../../src/channels/reverse';
import { runVoice } from '../../src/channels/voice';
import type { AriPbx } from '../../src/pbx/asterisk-ari/ari-pbx';
import { ARI_NUMBERS } from '../fakes/ari/harness';
import { env, liveDriver, startPhone } from './ari-support';
import { skippedUnless } from './live-settings';

/**
 * The channel scripts (src/channels) end to end on a real Asterisk: voice, reverse, busy and
 * no-answer over Local channels; reverse and voice over PJSIP to a SIP phone sending RFC 2833.
 */
const ctx = (pbx: AriPbx) => ({ pbx, logger: pino({ level: 'silent' }), signal: new AbortController().signal });
const reverseJob = (to: string, code: string) => ({
  to,
  lang: 'en',
  ringTimeoutMs: 20_000,
  maxCallMs: 60_000,
  maxTries: 1,
  firstDigitTimeoutMs: 8_000,
  interDigitTimeoutMs: 4_000,
  totalTimeoutMs: 30_000,
  matches: (digits: string) => digits === code,
  tag: 'live',
});
const voiceJob = (to: string, ringTimeoutMs = 20_000) => ({ to, lang: 'en', code: '482913', ringTimeoutMs, maxCallMs: 60_000, tag: 'live' });

describe('channel flows on a live Asterisk over Local channels', () => {
  let pbx: AriPbx;
  beforeAll(async () => {
    pbx = liveDriver();
    await pbx.start();
  });
  afterAll(() => pbx.stop());

  it('voice: speaks the whole code to a callee who listens', async () => {
    await expect(runVoice(voiceJob(ARI_NUMBERS.silent), ctx(pbx))).resolves.toMatchObject({ result: 'delivered', outcome: 'answered' });
  });

  it('voice: reports hung-up-during-prompt when the callee hangs up', async () => {
    await expect(runVoice(voiceJob(ARI_NUMBERS.hangsUp), ctx(pbx))).resolves.toMatchObject({ result: 'hung-up-during-prompt', outcome: 'answered' });
  });

  it('reverse: matches the digits the callee types (1234#)', async () => {
    await expect(runReverse(reverseJob(ARI_NUMBERS.presses.to, '1234'), ctx(pbx))).resolves.toMatchObject({ result: 'matched', matched: true });
  });

  it('reverse: digits typed late, like a person, still match', async () => {
    await expect(runReverse(reverseJob('+12025550111', '1234'), ctx(pbx))).resolves.toMatchObject({ result: 'matched', matched: true });
  });

  it('busy: a value with legacy reason 5', async () => {
    await expect(runVoice(voiceJob(ARI_NUMBERS.busy), ctx(pbx))).resolves.toMatchObject({ result: 'not-answered', outcome: 'busy', reason: 5 });
  });

  it('no-answer: a value with legacy reason 3 after the ring timeout', async () => {
    await expect(runVoice(voiceJob(ARI_NUMBERS.noAnswer, 5_000), ctx(pbx))).resolves.toMatchObject({ result: 'not-answered', outcome: 'no-answer', reason: 3 });
  });
});

const sipTemplate = env('PBXVERIFY_LIVE_SIP_TEMPLATE');
const phone = env('PBXVERIFY_LIVE_SIP_PHONE');
const sip = skippedUnless('channel flows on a live Asterisk over PJSIP to a SIP phone (RFC 2833)', 'PBXVERIFY_LIVE_SIP_TEMPLATE', 'PBXVERIFY_LIVE_SIP_PHONE');
(sip.run ? describe : describe.skip)(sip.title, () => {
  let pbx: AriPbx;
  beforeAll(async () => {
    pbx = liveDriver({ endpointTemplate: sipTemplate ?? '' });
    await pbx.start();
  });
  afterAll(() => pbx.stop());

  it('reverse: collects 1234# sent as RFC 2833 telephone-events', async () => {
    startPhone(phone ?? '');
    await expect(runReverse(reverseJob('+12025550100', '1234'), ctx(pbx))).resolves.toMatchObject({ result: 'matched', matched: true });
  });

  it('voice: speaks the code over SIP and RTP', async () => {
    startPhone(phone ?? '');
    await expect(runVoice(voiceJob('+12025550100'), ctx(pbx))).resolves.toMatchObject({ result: 'delivered', outcome: 'answered' });
  });
});

const sink = env('PBXVERIFY_LIVE_MESSAGE_SINK');
const sms = skippedUnless('sms on a live Asterisk: a SIP MESSAGE through endpoints/sendMessage', 'PBXVERIFY_LIVE_MESSAGE_TEMPLATE', 'PBXVERIFY_LIVE_MESSAGE_SINK');
(sms.run ? describe : describe.skip)(sms.title, () => {
  let pbx: AriPbx;
  beforeAll(async () => {
    pbx = liveDriver();
    await pbx.start();
  });
  afterAll(() => pbx.stop());

  it('sends the text to a SIP phone, which accepts it', async () => {
    startPhone(sink ?? '');
    await expect(pbx.sendMessage({ to: '+12025550100', from: 'pbxverify', body: 'Your pbxverify code is 482913', tag: 'live' }, { timeoutMs: 10_000 })).resolves.toMatchObject({ ok: true });
  });
});
