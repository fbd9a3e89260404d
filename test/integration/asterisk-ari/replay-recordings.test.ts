import type { Call, CallEnd, DialOutcome } from '../../../src/pbx/port';
import type { AriPbx } from '../../../src/pbx/asterisk-ari/ari-pbx';
import { useAriReplay } from '../../support/ari-replay';

/**
 * Every Asterisk 22 recording replayed over the wire through the driver (WebSocket → parse →
 * dispatch → outcome tracker / call): the outcome mapping is checked against reality.
 */
type Expect =
  | { dial: Exclude<DialOutcome, 'answered'>; reason: number; q850?: number; sip?: number }
  | { dial: 'answered'; digits?: string; by: CallEnd['by']; q850?: number; weHangUp?: 'at-once' | 'on-hash' };

const EXPECTED: Record<string, Expect> = {
  'answer-and-hangup': { dial: 'answered', by: 'remote', q850: 16 },
  'answer-and-press-late': { dial: 'answered', digits: '1234#', by: 'remote', q850: 16 },
  'answer-and-press': { dial: 'answered', digits: '1234#', by: 'remote', q850: 16 },
  'app-hangup': { dial: 'answered', by: 'local', q850: 16, weHangUp: 'at-once' },
  'bad-tech': { dial: 'failed', reason: 0 },
  busy: { dial: 'busy', reason: 5 },
  congestion: { dial: 'congestion', reason: 8 },
  'hangup-immediately': { dial: 'rejected', reason: 1, q850: 16 },
  noanswer: { dial: 'no-answer', reason: 3, q850: 19 },
  'nonexistent-exten': { dial: 'failed', reason: 0 },
  // remote BYE: no cause on the hang-up request, 0 on ChannelDestroyed
  'pjsip-sipp-answer-dtmf': { dial: 'answered', digits: '1234#', by: 'remote' },
  'pjsip-sipp-app-hangup': { dial: 'answered', by: 'local', q850: 16, weHangUp: 'at-once' },
  'pjsip-sipp-busy': { dial: 'busy', reason: 5, q850: 17, sip: 486 },
  'pjsip-sipp-noanswer': { dial: 'no-answer', reason: 3, q850: 19, sip: 480 },
  'pjsip-unknown-endpoint': { dial: 'failed', reason: 0 },
  reject: { dial: 'rejected', reason: 1, q850: 21 },
  unallocated: { dial: 'unreachable', reason: 0, q850: 1 },
  'wire/local-answer-and-press': { dial: 'answered', digits: '1234#', by: 'local', q850: 16, weHangUp: 'on-hash' },
  'wire/local-busy': { dial: 'busy', reason: 5 },
  'wire/local-hangup-immediately': { dial: 'rejected', reason: 1, q850: 16 },
  'wire/local-noanswer-timeout5': { dial: 'no-answer', reason: 3, q850: 19 },
};

describe('replaying the Asterisk 22 recordings through the driver', () => {
  const replay = useAriReplay(0.1);

  it('has an expectation for every recording', () => {
    const names = replay.outbound.map((r) => r.name).sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const rec of replay.outbound) {
    const want = EXPECTED[rec.name] as Expect;
    it(`maps ${rec.name} (${rec.endpoint}) to ${want.dial}`, async () => {
      const { result } = await replay.originate(rec, 30_000);
      if (want.dial !== 'answered') {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.end.outcome).toBe(want.dial);
        expect(result.end.reason).toBe(want.reason);
        if (want.q850 !== undefined) expect(result.end.cause.q850).toBe(want.q850);
        if (want.sip !== undefined) expect(result.end.cause.sip).toBe(want.sip);
        return;
      }
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const call: Call = result.call;
      const digits: string[] = [];
      call.on('dtmf', (d) => {
        digits.push(d);
        if (d === '#' && want.weHangUp === 'on-hash') void call.hangup();
      });
      if (want.weHangUp === 'at-once') void call.hangup();
      const end = await call.ended;
      expect(end.outcome).toBe('answered');
      expect(end.reason).toBeNull();
      expect(end.by).toBe(want.by);
      expect(end.cause.q850).toBe(want.q850);
      expect(digits.join('')).toBe(want.digits ?? '');
    });
  }

  it('ignores an inbound call into the app (pjsip-inbound-sipp-uac) without adopting it', async () => {
    const inbound = replay.recordings.find((r) => r.inbound);
    const pbx: AriPbx = replay.pbx;
    expect(inbound).toBeDefined();
    for (const { raw } of inbound?.script.events ?? []) {
      pbx.dispatch(JSON.parse(JSON.stringify(raw)) as Parameters<AriPbx['dispatch']>[0]);
    }
    expect(pbx.inFlight()).toEqual({ attempts: 0, calls: 0 });
    expect(pbx.health().ready).toBe(true);
  });
});
