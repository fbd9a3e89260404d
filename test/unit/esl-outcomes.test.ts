import { legacyReasonFor } from '../../src/pbx/port';
import { dialFailure, dialOutcomeOf, hangupInfo, parseOriginateReply } from '../../src/pbx/freeswitch-esl/outcomes';

describe('FreeSWITCH outcomes', () => {
  it('reads originate replies', () => {
    expect(parseOriginateReply('+OK 940a6999-4034-449c-9884-22217bc3428a\n')).toEqual({ ok: true, uuid: '940a6999-4034-449c-9884-22217bc3428a' });
    expect(parseOriginateReply('-ERR USER_BUSY\n')).toEqual({ ok: false, cause: 'USER_BUSY', text: '-ERR USER_BUSY' });
    expect(parseOriginateReply('-USAGE: <call url> <exten>\n')).toMatchObject({ ok: false, cause: '' });
    expect(parseOriginateReply('')).toEqual({ ok: false, cause: '', text: 'empty reply' });
  });

  it.each([
    ['USER_BUSY', 'busy'],
    ['NO_ANSWER', 'no-answer'],
    ['NO_USER_RESPONSE', 'no-answer'],
    ['CALL_REJECTED', 'rejected'],
    ['NORMAL_CLEARING', 'rejected'],
    ['UNALLOCATED_NUMBER', 'unreachable'],
    ['NO_ROUTE_DESTINATION', 'unreachable'],
    ['USER_NOT_REGISTERED', 'unreachable'],
    ['NORMAL_CIRCUIT_CONGESTION', 'congestion'],
    ['NORMAL_TEMPORARY_FAILURE', 'congestion'],
    ['ORIGINATOR_CANCEL', 'canceled'],
    ['INVALID_PROFILE', 'failed'],
    ['GATEWAY_DOWN', 'failed'],
    ['INCOMPATIBLE_DESTINATION', 'failed'],
  ])('maps %s to %s', (cause, outcome) => {
    expect(dialOutcomeOf({ cause })).toBe(outcome);
  });

  it('uses the SIP status when the cause alone says nothing', () => {
    expect(dialOutcomeOf({ cause: 'NORMAL_UNSPECIFIED', sip: 486 })).toBe('busy');
    expect(dialOutcomeOf({ cause: 'NORMAL_UNSPECIFIED', sip: 404 })).toBe('unreachable');
    expect(dialOutcomeOf({ cause: 'NORMAL_UNSPECIFIED' })).toBe('failed');
    // sip-hangup-immediately: NORMAL_CLEARING with 480 is the callee hanging up, not a ring timeout.
    expect(dialOutcomeOf({ cause: 'NORMAL_CLEARING', sip: 480 })).toBe('rejected');
  });

  it('reads the hang-up headers of a SIP leg (sip-busy.json)', () => {
    const info = hangupInfo({ 'Hangup-Cause': 'USER_BUSY', variable_sip_term_status: '486', variable_proto_specific_hangup_cause: 'sip:486' });
    expect(info).toEqual({ cause: 'USER_BUSY', q850: 17, sip: 486 });
    expect(hangupInfo({ 'Hangup-Cause': 'NORMAL_CLEARING', variable_proto_specific_hangup_cause: 'sip:200', variable_hangup_cause_q850: '16' })).toEqual({ cause: 'NORMAL_CLEARING', q850: 16, sip: 200 });
    expect(hangupInfo({})).toBeUndefined();
  });

  it('builds the end of a failed attempt with the legacy reason', () => {
    const end = dialFailure({ ok: false, cause: 'USER_BUSY', text: '-ERR USER_BUSY' }, { cause: 'USER_BUSY', sip: 486 }, 1);
    expect(end).toEqual({ outcome: 'busy', by: 'remote', cause: { text: 'USER_BUSY', q850: 17, sip: 486 }, reason: legacyReasonFor('busy'), at: 1 });
    expect(dialFailure({ ok: false, cause: '', text: '-USAGE' }, undefined, 2)).toMatchObject({ outcome: 'failed', by: 'pbx', reason: 0, cause: { text: '-USAGE' } });
    expect(dialFailure({ ok: false, cause: 'INVALID_PROFILE', text: '-ERR INVALID_PROFILE' }, undefined, 3)).toMatchObject({ outcome: 'failed', by: 'pbx', cause: { text: 'INVALID_PROFILE' } });
  });
});
