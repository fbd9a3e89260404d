import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/api-client';
import { startFixture, type Fixture } from '../support/e2e-fixture';
import { runCli } from '../support/engine-process';
import { TestSmsc } from '../support/test-smsc';

/**
 * SMS through SMPP gateways in a real engine process, against the scripted test SMSC: delivery
 * receipts on the attempt and in webhooks, a failure receipt moving the workflow on early,
 * failover to the PBX's SIP MESSAGE, and request-time refusals.
 */
describe('SMS gateways (e2e)', () => {
  const smsc = new TestSmsc();
  const refusing = new TestSmsc();
  let f: Fixture;

  beforeAll(async () => {
    await smsc.start();
    await refusing.start();
    refusing.script.refuseBind = true;
    smsc.script.receiptStat.set('12025550181', 'UNDELIV');
    const smpp = (name: string, port: number) => ({ name, kind: 'smpp', host: '127.0.0.1', port, systemId: 'pbxverify', password: 'pw', rateDeck: 'smsc-deck', reconnectMinMs: 50, ids: { submit: 'hex', receipt: 'hex' } });
    // SMS prices come from the gateway's rate deck, imported into the engine's history database
    const history = `sqlite:${join(mkdtempSync(join(tmpdir(), 'pbxverify-sms-e2e-')), 'history.db')}`;
    const deck = join(mkdtempSync(join(tmpdir(), 'pbxverify-sms-deck-')), 'deck.csv');
    writeFileSync(deck, 'prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from\n1,0,60/60,0,0.0400,EUR,\n');
    expect((await runCli(['rates', 'import', '--trunk', 'smsc-deck', deck], { PBXVERIFY_HISTORY: history })).code).toBe(0);
    f = await startFixture({
      env: { PBXVERIFY_HISTORY: history },
      config: {
        sms: { gateways: ['down', 'smsc', 'pbx'], maxParts: 2, receiptTimeoutSeconds: 5 },
        smsGateways: [smpp('down', refusing.port), smpp('smsc', smsc.port)],
      },
    });
    await eventually(async () => (smsc.binds > 0 ? true : undefined), 'the bind');
  });

  afterAll(async () => {
    await f.stop();
    await smsc.stop();
    await refusing.stop();
  });

  it('skips the gateway that refuses the bind, delivers through SMPP and records the receipt, parts and cost', async () => {
    const created = await f.api.post('/v1/verifications', { to: '+12025550180', channel: 'sms', callback_url: f.hookUrl });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(done.attempts[0]).toMatchObject({ channel: 'sms', result: 'delivered', sms: { gateway: 'smsc', status: 'delivered', parts: 1, encoding: 'gsm7', cost: 0.04, reason: null } });
    expect(smsc.accepted.filter((a) => a.destination === '12025550180')).toHaveLength(1);
    const hooks = await eventually(async () => {
      const got = f.receiver.forVerification(id);
      return got.some((h) => h.type === 'attempt.completed') ? got : undefined;
    }, 'webhooks');
    expect(hooks.map((h) => h.type)).toEqual(['attempt.started', 'attempt.updated', 'attempt.completed']);
    expect(hooks[1]?.body.data.attempt.sms).toMatchObject({ status: 'submitted', parts: 1 });
    expect(hooks[2]?.body.data.attempt.sms).toMatchObject({ status: 'delivered', parts: 1 });
  });

  it('moves the workflow to its next step as soon as a failure receipt comes (SMS then voice)', async () => {
    const created = await f.api.post('/v1/verifications', { to: '+12025550181', workflow: 'sms-call-call' });
    const id = created.body.id as string;
    // no clock advance: the call step (planned 2 min later) runs because the receipt said UNDELIV
    const v = await f.waitFor(id, (r) => r.attempts[1]?.status === 'completed', 'the call after the failed SMS');
    expect(v.attempts[0]).toMatchObject({ result: 'send-failed', detail: 'undeliverable', sms: { status: 'failed', reason: 'undeliverable' } });
    expect(v.attempts[1]).toMatchObject({ channel: 'call', result: 'delivered' });
  });

  it('refuses a sender outside the grammar and a text over sms.maxParts with stable 4xx codes', async () => {
    const sender = await f.api.post('/v1/verifications', { to: '+12025550182', channel: 'sms', sender: 'Acme€' });
    expect(sender.status).toBe(400);
    expect(sender.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { issues: [{ field: 'sender' }] } });
    const long = await f.api.post('/v1/verifications', { to: '+12025550183', channel: 'sms', message_template: '{code} ' + 'x'.repeat(400) });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'SMS_TOO_MANY_PARTS', details: { parts: 3, max: 2 } });
  });

  it('falls back to the PBX when the SMSC is gone', async () => {
    await smsc.stop();
    const created = await f.api.post('/v1/verifications', { to: '+12025550184', channel: 'sms' });
    const id = created.body.id as string;
    const done = await f.waitFor(id, (v) => v.attempts[0]?.status === 'completed', 'the SMS');
    expect(done.attempts[0]).toMatchObject({ result: 'delivered', sms: { gateway: 'pbx', status: 'submitted' } });
    expect(await f.lastSms('+12025550184')).toMatch(/[0-9]{6}/);
  });
});
