/**
 * SMS as SIP MESSAGE through a real FreeSWITCH's chat API, received by a real SIP phone (SIPp).
 * FreeSWITCH refuses a MESSAGE it sent to itself (X-FS-Sending-Message is its own core uuid,
 * sofia_presence.c "Not sending message to ourselves!"), so the receiver must be another UA.
 * Needs `sipp` on the PATH: without it the tests fail, saying so.
 */
import { readFileSync } from 'node:fs';
import type { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { until } from '../support/esl/until';
import { livePbx, MessagePhone } from './esl-support';

describe('SMS as SIP MESSAGE on a real FreeSWITCH', () => {
  const phone = new MessagePhone();
  let pbx: FreeSwitchPbx;

  beforeAll(async () => {
    await phone.listen();
    pbx = livePbx({ chatTo: phone.chatTo() });
    await pbx.start();
  });
  afterAll(async () => {
    await pbx?.stop();
    phone.stop();
  });

  it('delivers the text to the phone and reports it sent', async () => {
    const sent = await pbx.sendMessage({ to: '+12025550100', from: 'pbxverify', body: 'Your pbxverify code is 482913', tag: 'live-sms' }, { timeoutMs: 20_000 });
    expect(sent).toEqual({ ok: true, messageId: expect.stringMatching(/^esl-/) });
    await until(() => phone.exited, 'SIPp received its MESSAGE', 10_000);
    const log = readFileSync(phone.log, 'utf8');
    expect(log).toMatch(/MESSAGE sip:\+12025550100@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(log).toContain('Your pbxverify code is 482913');
    expect(log).toMatch(/Content-Type: text\/plain/i);
  });

  it('reports a message nobody accepts as failed', async () => {
    // Nothing listens there any more (SIPp took its one message and left).
    const sent = await pbx.sendMessage({ to: '+12025550100', from: 'pbxverify', body: 'nobody home', tag: 'live-sms' }, { timeoutMs: 30_000 });
    expect(sent).toMatchObject({ ok: false, error: 'failed', detail: 'Error! Message Not Sent' });
  });
});
