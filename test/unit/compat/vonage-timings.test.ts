import { vonagePlan } from '../../../src/api/compat/vonage-workflows';
import { startStep } from '../../../src/verification/transitions';
import type { VerificationRecord } from '../../../src/verification/model';
import { sampleRecord } from '../../contract/store';

const T0 = 1_800_000_000_000;

/**
 * Walks a Vonage plan through the engine's step transitions the way the service does: at each
 * event a new code is issued when the current one has expired (codeLifetimeSeconds), else the
 * same code is said again. Returns, per event, its time (s) and whether it carried a new code.
 */
function walk(workflowId: number, timings: { pinExpiry?: number; nextEventWait?: number }): { events: Array<[number, 'new' | 'same']>; expiresAfter: number } {
  const plan = vonagePlan(workflowId, timings);
  let record: VerificationRecord = sampleRecord({
    createdAt: T0,
    steps: plan.steps,
    codeLifetimeSeconds: plan.pinExpiry,
    codeExpiresAt: T0 + plan.pinExpiry * 1000,
    nextStepAt: T0,
  });
  const events: Array<[number, 'new' | 'same']> = [];
  let at = T0;
  for (let i = 0; i < plan.steps.length; i++) {
    at = i === 0 ? T0 : (record.nextStepAt as number);
    const renew = i > 0 && at >= record.codeExpiresAt;
    record = startStep(record, i, at, 600, renew ? { hash: `h${i}`, sealed: `s${i}` } : undefined, 'test').record;
    events.push([(at - T0) / 1000, i === 0 || renew ? 'new' : 'same']);
  }
  return { events, expiresAfter: (record.expiresAt - T0) / 1000 };
}

describe('Vonage workflows and timings', () => {
  it('maps workflow_id 1–7 to SMS / TTS events with the default waits', () => {
    const shape = (id: number) => vonagePlan(id, {}).steps.map((s) => `${s.channel}@${s.waitSeconds}`);
    expect(shape(1)).toEqual(['sms@0', 'call@125', 'call@180']);
    expect(shape(2)).toEqual(['sms@0', 'sms@125', 'call@180']);
    expect(shape(3)).toEqual(['call@0', 'call@300']);
    expect(shape(4)).toEqual(['sms@0', 'sms@300']);
    expect(shape(5)).toEqual(['sms@0', 'call@300']);
    expect(shape(6)).toEqual(['sms@0']);
    expect(shape(7)).toEqual(['call@0']);
  });

  it('with default timings says the PIN again at 125 s and generates a new one for the last call', () => {
    expect(walk(1, {})).toEqual({ events: [[0, 'new'], [125, 'same'], [305, 'new']], expiresAfter: 605 });
  });

  it("follows Vonage's table: 360/120 one PIN, 240/120 a new PIN for the third event, 120/120 a new PIN each time", () => {
    expect(walk(1, { pinExpiry: 360, nextEventWait: 120 }).events).toEqual([[0, 'new'], [120, 'same'], [240, 'same']]);
    expect(walk(1, { pinExpiry: 240, nextEventWait: 120 }).events).toEqual([[0, 'new'], [120, 'same'], [240, 'new']]);
    expect(walk(1, { pinExpiry: 120, nextEventWait: 120 }).events).toEqual([[0, 'new'], [120, 'new'], [240, 'new']]);
  });

  it('makes pin_expiry equal next_event_wait when it is not a multiple of it (90 and 200 with 120)', () => {
    expect(vonagePlan(1, { pinExpiry: 200, nextEventWait: 120 }).pinExpiry).toBe(120);
    expect(vonagePlan(1, { pinExpiry: 90, nextEventWait: 120 }).pinExpiry).toBe(120);
    expect(walk(1, { pinExpiry: 200, nextEventWait: 120 }).events).toEqual([[0, 'new'], [120, 'new'], [240, 'new']]);
    expect(vonagePlan(1, { pinExpiry: 240 }).pinExpiry).toBe(240);
  });

  it('keeps the request open for the last wait even when the PIN expires first', () => {
    expect(walk(6, { pinExpiry: 60 })).toEqual({ events: [[0, 'new']], expiresAfter: 300 });
    expect(walk(3, { nextEventWait: 60 })).toEqual({ events: [[0, 'new'], [60, 'same']], expiresAfter: 300 });
  });
});
