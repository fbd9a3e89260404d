import { canonicalId, parseReceipt, submitRefusal } from '../../../src/sms/smpp/receipt';

const text = (id: string, stat: string) => `id:${id} sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:${stat} err:000 text:482913 is`;

describe('SMPP delivery receipts', () => {
  it('spells numeric ids one way whether written in hex or decimal', () => {
    expect(canonicalId('1A2B3C00', 'hex')).toBe(canonicalId('439041024', 'decimal'));
    expect(canonicalId('0000439041024', 'decimal')).toBe('439041024');
    expect(canonicalId('abc-123', 'string')).toBe('abc-123');
    expect(canonicalId('not-hex', 'hex')).toBe('not-hex');
  });

  it.each([
    ['DELIVRD', { status: 'delivered' }],
    ['UNDELIV', { status: 'failed', reason: 'undeliverable' }],
    ['EXPIRED', { status: 'failed', reason: 'expired' }],
    ['REJECTD', { status: 'failed', reason: 'rejected' }],
    ['DELETED', { status: 'failed', reason: 'deleted' }],
    ['ACCEPTD', { status: 'accepted' }],
    ['ENROUTE', { status: 'accepted' }],
  ])('maps stat:%s', (stat, result) => {
    expect(parseReceipt(text('1A2B', stat), {}, { submit: 'hex', receipt: 'hex' })).toEqual({ id: String(0x1a2b), result, err: '000' });
  });

  it('prefers the TLVs: receipted_message_id (submit format) and message_state', () => {
    const parsed = parseReceipt(text('999', 'DELIVRD'), { receiptedMessageId: '1A2B', messageState: 5 }, { submit: 'hex', receipt: 'decimal' });
    expect(parsed).toEqual({ id: String(0x1a2b), result: { status: 'failed', reason: 'undeliverable' }, err: '000' });
  });

  it('reads the text id in the receipt format (decimal) against a hex submit id', () => {
    expect(parseReceipt(text(String(0x1a2b), 'DELIVRD'), {}, { submit: 'hex', receipt: 'decimal' })?.id).toBe(canonicalId('1A2B', 'hex'));
  });

  it('ignores a receipt without an id, and treats an unknown stat as a failure', () => {
    expect(parseReceipt('stat:DELIVRD', {}, { submit: 'hex', receipt: 'hex' })).toBeUndefined();
    expect(parseReceipt(text('1', 'WEIRD'), {}, { submit: 'decimal', receipt: 'decimal' })?.result).toEqual({ status: 'failed', reason: 'unknown' });
  });

  it('gives submit_sm refusals stable reasons and says which are permanent', () => {
    expect(submitRefusal(0x0b)).toEqual({ reason: 'invalid-destination', permanent: true });
    expect(submitRefusal(0x0a)).toEqual({ reason: 'invalid-source', permanent: true });
    expect(submitRefusal(0x45)).toEqual({ reason: 'submit-failed', permanent: false });
    expect(submitRefusal(0x63)).toEqual({ reason: 'rejected-0x63', permanent: false });
  });
});
