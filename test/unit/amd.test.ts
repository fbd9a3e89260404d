import { HistoryRecorder } from '../../src/history/recorder';
import { MemoryOutbox } from '../../src/history/outbox/outbox';
import type { AttemptRow } from '../../src/history/port';
import { classifyGreeting } from '../../src/pbx/freeswitch-esl/amd';
import { BEHAVIOURS, simulatedAmd } from '../../src/pbx/simulator/behaviours';
import { decodeRecord, encodeRecord } from '../../src/store/redis/record-codec';
import type { Attempt } from '../../src/verification/model';
import { completeAttempt } from '../../src/verification/transitions';
import { attemptView, verificationView } from '../../src/verification/view';
import { sampleRecord } from '../contract/store';

const T0 = 1_760_000_000_000;

describe('answering-machine detection: the FreeSWITCH greeting-length rule', () => {
  const complete = (timeout: boolean, listenhits: number) => ({ variable_wait_for_silence_timeout: String(timeout), variable_wait_for_silence_listenhits: String(listenhits) });

  it('calls a short word followed by silence a person', () => {
    expect(classifyGreeting(complete(false, 35))).toEqual({ result: 'human', cause: 'greeting-700ms' });
  });

  it('calls more than 1.5 s of speech before the first silence a machine', () => {
    expect(classifyGreeting(complete(false, 90))).toEqual({ result: 'machine', cause: 'greeting-1800ms' });
  });

  it('calls speech still going at the 5 s cap a machine', () => {
    expect(classifyGreeting(complete(true, 240))).toEqual({ result: 'machine', cause: 'greeting-over-5000ms' });
  });

  it('is not sure when nothing was heard at all (the code is then spoken)', () => {
    expect(classifyGreeting(complete(true, 0))).toEqual({ result: 'notsure', cause: 'silence-0ms' });
    expect(classifyGreeting({})).toMatchObject({ result: 'notsure' });
  });
});

describe('answering-machine detection: the simulator', () => {
  it('finds the machine with AMD()-like timing and waits for its beep with wait_for_beep', () => {
    const machine = BEHAVIOURS.machine;
    if (!machine) throw new Error('no machine behaviour');
    expect(simulatedAmd(machine, 'hangup')).toEqual({ verdict: { result: 'machine', cause: 'LONGGREETING-1500-1500', ms: 1500 }, afterMs: 1500 });
    expect(simulatedAmd(machine, 'wait_for_beep').verdict).toMatchObject({ result: 'machine', beep: true });
    expect(simulatedAmd(machine, 'wait_for_beep').afterMs).toBeGreaterThan(7000);
  });

  it('finds a person after the silence that follows their hello', () => {
    const human = BEHAVIOURS.human;
    if (!human) throw new Error('no human behaviour');
    expect(simulatedAmd(human, 'wait_for_beep')).toEqual({ verdict: { result: 'human', cause: 'HUMAN-800-800', ms: 1500 }, afterMs: 1500 });
  });
});

describe('answering-machine detection on the record', () => {
  const steps = [{ channel: 'call' as const, waitSeconds: 0, code: 'new' as const, amd: 'hangup' as const }];
  const running: Attempt = { n: 1, channel: 'call', startedAt: T0, status: 'running' };
  const amd = { mode: 'hangup' as const, result: 'machine' as const, cause: 'LONGGREETING-1500-1500', ms: 1600 };

  it('fails a verification whose last call reached a machine, with reason machine, and keeps the verdict', () => {
    const record = sampleRecord({ steps, nextStep: 1, attempts: [running], amd: 'hangup' });
    const next = completeAttempt(record, 1, { result: 'machine', outcome: 'answered', reason: null, amd }, T0 + 5);
    expect(next).toMatchObject({ status: 'failed', failReason: 'machine' });
    expect(next?.attempts[0]?.amd).toEqual(amd);
    if (!next) return;
    expect(verificationView(next)).toMatchObject({ amd: 'hangup', failure_reason: 'machine' });
    expect(attemptView(next.attempts[0] as Attempt).amd).toEqual({ mode: 'hangup', result: 'machine', cause: 'LONGGREETING-1500-1500', beep: null, message_left: false, ms: 1600 });
  });

  it('shows amd off and no verdict when detection did not run', () => {
    const record = sampleRecord({});
    expect(verificationView(record).amd).toBe('off');
    expect(attemptView({ ...running, status: 'completed', result: 'delivered' }).amd).toBeNull();
  });

  it('keeps a step’s own amd and the attempt verdict through the Redis codec', () => {
    const record = sampleRecord({ steps: [...steps, { channel: 'sms', waitSeconds: 60, code: 'same' }], amd: 'wait_for_beep', attempts: [{ ...running, status: 'completed', result: 'machine', amd: { ...amd, mode: 'wait_for_beep', beep: true, messageLeft: true } }] });
    const back = decodeRecord(record.id, encodeRecord(record));
    expect(back.steps).toEqual(record.steps);
    expect(back.amd).toBe('wait_for_beep');
    expect(back.attempts[0]?.amd).toEqual(record.attempts[0]?.amd);
  });

  it('writes the verdict to the history: result, then mode, cause, beep and message in amd_cause', async () => {
    const outbox = new MemoryOutbox();
    const recorder = new HistoryRecorder({ outbox, numbers: 'hashed', secret: 'history-test-secret-0123456789abcdef', prefixDigits: 5 });
    const attempt: Attempt = { ...running, status: 'completed', endedAt: T0 + 9, result: 'machine', outcome: 'answered', reason: null, amd: { ...amd, mode: 'wait_for_beep', beep: true, messageLeft: true } };
    const record = sampleRecord({ steps, attempts: [attempt], amd: 'wait_for_beep' });
    await recorder.publish({ type: 'attempt.completed', record, attempt });
    const rows = (await outbox.claim(10)).map((e) => e.event.row as AttemptRow);
    expect(rows.find((r) => 'amd' in r)).toMatchObject({ amd: 'machine', amdCause: 'wait_for_beep LONGGREETING-1500-1500 beep message' });
  });
});
