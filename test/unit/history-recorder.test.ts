import { HistoryRecorder } from '../../src/history/recorder';
import { MemoryOutbox } from '../../src/history/outbox/outbox';
import type { AttemptRow, VerificationRow } from '../../src/history/port';
import { sampleRecord } from '../contract/store';
import { historyDetailView } from '../../src/api/history-views';
import { CostModel, parseRateDeck } from '../../src/history/cost';
import { attemptRow, verificationRow } from '../support/history-rows';

const SECRET = 'history-test-secret-0123456789abcdef';

async function record(numbers: 'full' | 'masked' | 'hashed', events: Parameters<HistoryRecorder['publish']>[0][]) {
  const outbox = new MemoryOutbox();
  const recorder = new HistoryRecorder({ outbox, numbers, secret: SECRET, prefixDigits: 5 });
  for (const event of events) await recorder.publish(event);
  const entries = await outbox.claim(100);
  return { recorder, rows: entries.map((e) => e.event) };
}

describe('history recorder', () => {
  it('stores the number hashed by default: no digits beyond the prefix, the same hash for the same number', async () => {
    const rec = sampleRecord({ to: '+447400123456' });
    const { recorder, rows } = await record('hashed', [{ type: 'verification.started', record: rec }]);
    const row = rows[0]?.row as VerificationRow;
    expect(row.number).toMatch(/^[0-9a-f]{64}$/);
    expect(row.number).toBe(recorder.storedNumber('+447400123456'));
    expect(row.number).not.toBe(recorder.storedNumber('+447400123457'));
    expect(JSON.stringify(rows)).not.toContain('7400123456');
    expect(row).toMatchObject({ country: 'GB', numberType: 'MOBILE', prefix: '+44740', status: 'pending', reason: null, delivered: false });
  });

  it('stores masked or full numbers when configured', async () => {
    const rec = sampleRecord({ to: '+447400123456' });
    expect(((await record('masked', [{ type: 'verification.started', record: rec }])).rows[0]?.row as VerificationRow).number).toBe('+44740*****56');
    expect(((await record('full', [{ type: 'verification.started', record: rec }])).rows[0]?.row as VerificationRow).number).toBe('+447400123456');
  });

  it('records an answered call with its call detail, gate result and final cause, never the digits', async () => {
    const base = sampleRecord({ to: '+447400123456', gate: true, callerId: '+442037691880' });
    const attempt = { n: 1, channel: 'call' as const, startedAt: 1000, endedAt: 9000, status: 'completed' as const, result: 'delivered' as const, outcome: 'answered' as const, reason: null };
    const done = { ...base, v: 3, status: 'approved' as const, endedAt: 12_000, attempts: [attempt] };
    const { rows } = await record('hashed', [
      { type: 'attempt.completed', record: done, attempt, cdr: { node: 'simulator', trunk: 'carrier-a', callerId: '+442037691880', dialedAt: 1000, answeredAt: 3000, endedAt: 9000, billsec: 6, cause: { q850: 16, sip: 200, text: 'Normal Clearing' } } },
      { type: 'verification.approved', record: done },
    ]);
    const a = rows.find((r) => r.kind === 'attempt')?.row as AttemptRow;
    expect(a).toMatchObject({ n: 1, node: 'simulator', trunk: 'carrier-a', callerId: '+442037691880', answeredAt: 3000, endedAt: 9000, billsec: 6, q850: 16, sipStatus: 200, gate: 'passed', dtmf: null, outcome: 'answered' });
    const v = rows.filter((r) => r.kind === 'verification').at(-1)?.row as VerificationRow;
    expect(v).toMatchObject({ status: 'approved', reason: 'code-matched', endedBy: 'api', checks: 1, delivered: true, endedAt: 12_000 });
  });

  it('says why a verification ended: keypad match, too many checks, expiry', async () => {
    const matched = { n: 1, channel: 'reverse' as const, startedAt: 1, status: 'completed' as const, result: 'matched' as const, matched: true, outcome: 'answered' as const };
    const keypad = sampleRecord({ status: 'approved', attempts: [matched] });
    const tooMany = sampleRecord({ status: 'failed', wrongChecks: 5, maxChecks: 5 });
    const expired = sampleRecord({ status: 'expired' });
    const { rows } = await record('hashed', [
      { type: 'attempt.completed', record: keypad, attempt: matched },
      { type: 'verification.approved', record: keypad },
      { type: 'verification.failed', record: tooMany },
      { type: 'verification.expired', record: expired },
    ]);
    const verifications = rows.filter((r) => r.kind === 'verification').map((r) => r.row);
    expect(verifications.at(-3)).toMatchObject({ reason: 'keypad-matched', endedBy: 'phone', checks: 0 });
    expect(verifications.at(-2)).toMatchObject({ reason: 'too-many-wrong-codes', endedBy: 'api', checks: 5 });
    expect(verifications.at(-1)).toMatchObject({ reason: 'expired', endedBy: 'engine' });
    expect((rows.find((r) => r.kind === 'attempt')?.row as AttemptRow).dtmf).toBe('matched');
  });

  it('records SMS parts and status', async () => {
    const sms = { n: 1, channel: 'sms' as const, startedAt: 1, endedAt: 2, status: 'completed' as const, result: 'delivered' as const };
    const rec = sampleRecord({ steps: [{ channel: 'sms', waitSeconds: 0, code: 'new' }], attempts: [sms] });
    const { rows } = await record('hashed', [{ type: 'attempt.completed', record: rec, attempt: sms, cdr: { smsParts: 1, smsStatus: 'accepted' } }]);
    expect(rows.find((r) => r.kind === 'attempt')?.row).toMatchObject({ channel: 'sms', smsParts: 1, smsStatus: 'accepted', callerId: null, billsec: null });
    expect(rows[0]?.row).toMatchObject({ channel: 'sms', delivered: true });
  });

  it('keeps the trunks that refused first and the SMS gateway, priced from that gateway\'s deck', async () => {
    const call = {
      n: 1, channel: 'call' as const, startedAt: 1, endedAt: 5, status: 'completed' as const, result: 'delivered' as const, outcome: 'answered' as const,
      trunk: 'carrier-b', failover: [{ trunk: 'carrier-a', outcome: 'congestion' as const, cause: { sip: 503, q850: 34, text: 'Service Unavailable' } }],
    };
    const sms = { n: 2, channel: 'sms' as const, startedAt: 6, endedAt: 7, status: 'completed' as const, result: 'delivered' as const, sms: { gateway: 'smsc', status: 'delivered' as const, parts: 2, encoding: 'ucs2' as const, cost: 0.1 } };
    const rec = sampleRecord({ to: '+447400123456', attempts: [call, sms] });
    const outbox = new MemoryOutbox();
    const deck = (name: string, price: string) => parseRateDeck(name, `prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from\n44,0,60/60,0,${price},EUR,\n`);
    const rates = new CostModel([...deck('smsc-deck', '0.0500'), ...deck('sms', '0.9000')]);
    const recorder = new HistoryRecorder({ outbox, numbers: 'hashed', secret: SECRET, prefixDigits: 5, rates: () => rates, smsDeck: (gateway) => (gateway === 'smsc' ? 'smsc-deck' : 'sms') });
    await recorder.publish({ type: 'attempt.completed', record: rec, attempt: call });
    await recorder.publish({ type: 'attempt.completed', record: rec, attempt: sms, cdr: { smsParts: 2, smsStatus: 'delivered' } });
    const attempts = (await outbox.claim(10)).map((e) => e.event).filter((e) => e.kind === 'attempt').map((e) => e.row);
    expect(attempts[0]).toMatchObject({ failover: [{ trunk: 'carrier-a', outcome: 'congestion', sip: 503, q850: 34, text: 'Service Unavailable' }] });
    expect(attempts[1]).toMatchObject({ smsGateway: 'smsc', smsEncoding: 'ucs2', smsParts: 2, costMicros: 100_000, failover: [] });
  });

  it('shows failover and the SMS block in the detail answered from the history', () => {
    const view = historyDetailView({
      verification: verificationRow({ status: 'approved', reason: 'code-matched' }),
      attempts: [
        attemptRow({ n: 1, failover: [{ trunk: 'carrier-a', outcome: 'congestion', sip: 503, q850: 34, text: null }] }),
        attemptRow({ n: 2, channel: 'sms', smsParts: 2, smsStatus: 'delivered', smsGateway: 'smsc', smsEncoding: 'ucs2', costMicros: 100_000 }),
        attemptRow({ n: 3, channel: 'sms', smsParts: 1, smsStatus: 'expired', smsGateway: null, smsEncoding: null, costMicros: null }),
      ],
      costMicros: 112_000,
      currency: 'EUR',
    });
    expect(view.attempts[0]).toMatchObject({ failover: [{ trunk: 'carrier-a', outcome: 'congestion', cause: { sip: 503, q850: 34, text: null } }], sms: null });
    expect(view.attempts[1]?.sms).toEqual({ gateway: 'smsc', status: 'delivered', parts: 2, encoding: 'ucs2', cost: 0.1, reason: null });
    expect(view.attempts[2]?.sms).toEqual({ gateway: 'pbx', status: 'failed', parts: 1, encoding: 'gsm7', cost: 0, reason: 'expired' });
  });
});
