import { eventually } from '../support/api-client';
import { startFixture, type Fixture } from '../support/e2e-fixture';
import { TestSmsc } from '../support/test-smsc';

/**
 * SMS gateways chosen per destination by the route table, in a real engine process on the
 * simulator, against scripted test SMSCs: each country's gateways, failover along the route,
 * then to the workflow's next step, and NO_ROUTE before anything is sent.
 */
describe('SMS routes (e2e)', () => {
  const uk = new TestSmsc();
  const us = new TestSmsc();
  const refusing = new TestSmsc();
  let f: Fixture;

  beforeAll(async () => {
    await Promise.all([uk.start(), us.start(), refusing.start()]);
    refusing.script.refuseBind = true;
    us.script.rejectDestinations.set('12025550191', 0x08); // ESME_RSYSERR: another gateway may do better
    const smpp = (name: string, port: number) => ({ name, kind: 'smpp', host: '127.0.0.1', port, systemId: 'pbxverify', password: 'pw', reconnectMinMs: 50, ids: { submit: 'hex', receipt: 'hex' } });
    f = await startFixture({
      config: {
        sms: { gateways: ['pbx'], maxParts: 2, receiptTimeoutSeconds: 5, submitTimeoutSeconds: 2 }, // the last gateway waits for a bind this long
        smsGateways: [smpp('down', refusing.port), { ...smpp('uk', uk.port), concat: 'udh16' }, smpp('us', us.port)],
        routes: [
          { name: 'sms-gb', match: { countries: ['GB'], channels: ['sms'] }, gateways: ['down', 'uk'] },
          { name: 'sms-us', match: { prefixes: ['+1202'], channels: ['sms'] }, gateways: ['us', 'pbx'] },
          { name: 'sms-fr', match: { countries: ['FR'], channels: ['sms'] }, gateways: ['down'] },
        ],
      },
    });
    await eventually(async () => (uk.binds > 0 && us.binds > 0 ? true : undefined), 'the binds');
  });

  afterAll(async () => {
    await f.stop();
    await Promise.all([uk.stop(), us.stop(), refusing.stop()]);
  });

  const sent = (smsc: TestSmsc, to: string) => smsc.accepted.filter((a) => a.destination === to.slice(1)).length;

  it("sends a GB number through its route's gateways, skipping the one that refuses the bind", async () => {
    const created = await f.api.post('/v1/verifications', { to: '+447400123456', channel: 'sms' });
    expect(created.status).toBe(201);
    const done = await f.waitFor(created.body.id as string, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(done.attempts[0]).toMatchObject({ result: 'delivered', sms: { gateway: 'uk', status: 'delivered' } });
    expect(sent(uk, '+447400123456')).toBe(1);
    expect(sent(us, '+447400123456')).toBe(0);
  });

  it('sends a +1202 number through the US gateway, and fails over to the next gateway on the route', async () => {
    const first = await f.api.post('/v1/verifications', { to: '+12025550190', channel: 'sms' });
    const done = await f.waitFor(first.body.id as string, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(done.attempts[0]).toMatchObject({ result: 'delivered', sms: { gateway: 'us', status: 'delivered' } });
    expect(sent(us, '+12025550190')).toBe(1);

    const second = await f.api.post('/v1/verifications', { to: '+12025550191', channel: 'sms' });
    const failedOver = await f.waitFor(second.body.id as string, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(failedOver.attempts[0]).toMatchObject({ result: 'delivered', sms: { gateway: 'pbx', status: 'submitted' } });
    expect(await f.lastSms('+12025550191')).toMatch(/[0-9]{6}/);
    expect(sent(uk, '+12025550191')).toBe(0);
  });

  it("goes on to the workflow's next step when every gateway of the route fails (never a silent loss)", async () => {
    const created = await f.api.post('/v1/verifications', { to: '+33142685300', workflow: 'sms-call-call' });
    expect(created.status).toBe(201);
    const v = await f.waitFor(created.body.id as string, (r) => r.attempts[1]?.status === 'completed', 'the call after the failed SMS');
    expect(v.attempts[0]).toMatchObject({ channel: 'sms', result: 'send-failed' });
    expect(v.attempts[0].detail).toMatch(/^unavailable/);
    expect(v.attempts[1]).toMatchObject({ channel: 'call', result: 'delivered' });
  });

  it("counts the parts at request time on the gateway the route would use (its UDH size)", async () => {
    // 306 septets: two parts with an 8-bit reference (153 each), three with a 16-bit one (152)
    const template = `{code} ${'x'.repeat(299)}`;
    const us = await f.api.post('/v1/verifications', { to: '+12025550192', channel: 'sms', message_template: template });
    expect(us.status).toBe(201);
    await f.waitFor(us.body.id as string, (v) => v.attempts[0]?.status === 'completed', 'the two-part SMS');
    // the GB route's first gateway refuses the bind: its SMS would go through uk (16-bit reference)
    const gb = await f.api.post('/v1/verifications', { to: '+447400123457', channel: 'sms', message_template: template });
    expect(gb.status).toBe(400);
    expect(gb.body.error).toMatchObject({ code: 'SMS_TOO_MANY_PARTS', details: { parts: 3, max: 2 } });
  });

  it('refuses an SMS to a number no SMS route serves with NO_ROUTE before anything is sent; calls there still go', async () => {
    const before = uk.submits + us.submits;
    const refused = await f.api.post('/v1/verifications', { to: '+4915123456789', channel: 'sms' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'NO_ROUTE', details: { channels: ['sms'] } });
    expect(uk.submits + us.submits).toBe(before);
    expect(await f.lastSms('+4915123456789')).toBeUndefined();
    const call = await f.api.post('/v1/verifications', { to: '+4915123456789', channel: 'call' });
    expect(call.status).toBe(201);
  });
});
