/**
 * Delivery receipts in deliver_sm: the SMPP 3.4 appendix B text
 * (`id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…`) and the
 * `receipted_message_id` / `message_state` TLVs. Pure.
 */

export type IdFormat = 'hex' | 'decimal' | 'string';

/**
 * One spelling for a message id, whichever way the SMSC wrote it: numeric ids become decimal
 * (`hex` `1A2B` and `decimal` `6699` are the same message). An id that does not parse in its
 * declared format is kept as it is.
 */
export function canonicalId(id: string, format: IdFormat): string {
  const trimmed = id.trim();
  try {
    if (format === 'hex' && /^[0-9a-fA-F]+$/.test(trimmed)) return BigInt(`0x${trimmed}`).toString(10);
    if (format === 'decimal' && /^[0-9]+$/.test(trimmed)) return BigInt(trimmed).toString(10);
  } catch {
    // fall through
  }
  return trimmed;
}

export type ReceiptStatus = { status: 'delivered' | 'accepted' } | { status: 'failed'; reason: string };

const STAT: Readonly<Record<string, ReceiptStatus>> = {
  DELIVRD: { status: 'delivered' },
  ACCEPTD: { status: 'accepted' },
  ENROUTE: { status: 'accepted' },
  UNDELIV: { status: 'failed', reason: 'undeliverable' },
  EXPIRED: { status: 'failed', reason: 'expired' },
  REJECTD: { status: 'failed', reason: 'rejected' },
  DELETED: { status: 'failed', reason: 'deleted' },
  UNKNOWN: { status: 'failed', reason: 'unknown' },
};

/** message_state TLV (SMPP 3.4 §5.2.28). */
const STATE: Readonly<Record<number, ReceiptStatus>> = {
  1: { status: 'accepted' },
  2: { status: 'delivered' },
  3: { status: 'failed', reason: 'expired' },
  4: { status: 'failed', reason: 'deleted' },
  5: { status: 'failed', reason: 'undeliverable' },
  6: { status: 'accepted' },
  7: { status: 'failed', reason: 'unknown' },
  8: { status: 'failed', reason: 'rejected' },
};

export interface ParsedReceipt {
  id: string;
  result: ReceiptStatus;
  err?: string;
}

/**
 * Reads a receipt. The TLVs win when present (their id is written like submit_sm_resp's), the
 * text otherwise (its id in the receipt format). Undefined when neither names a message.
 */
export function parseReceipt(
  text: string,
  tlv: { receiptedMessageId?: string | undefined; messageState?: number | undefined },
  ids: { submit: IdFormat; receipt: IdFormat },
): ParsedReceipt | undefined {
  const fields = new Map<string, string>();
  for (const m of text.matchAll(/(id|stat|err|dlvrd|sub):\s*([^\s]*)/gi)) fields.set((m[1] as string).toLowerCase(), m[2] as string);
  const textId = fields.get('id');
  const id = tlv.receiptedMessageId ? canonicalId(tlv.receiptedMessageId, ids.submit) : textId ? canonicalId(textId, ids.receipt) : undefined;
  if (id === undefined || id === '') return undefined;
  const stat = fields.get('stat')?.toUpperCase();
  const fromState = tlv.messageState === undefined ? undefined : STATE[tlv.messageState];
  const result = fromState ?? (stat ? STAT[stat] : undefined) ?? { status: 'failed', reason: 'unknown' };
  const err = fields.get('err');
  return { id, result, ...(err && /^[0-9A-Za-z]{1,8}$/.test(err) ? { err } : {}) };
}

/** Stable reasons for submit_sm refusals, and whether another gateway would refuse it the same way. */
export function submitRefusal(status: number): { reason: string; permanent: boolean } {
  switch (status) {
    case 0x0a:
    case 0x48:
    case 0x49:
      return { reason: 'invalid-source', permanent: true };
    case 0x0b:
    case 0x50:
    case 0x51:
      return { reason: 'invalid-destination', permanent: true };
    case 0x01:
      return { reason: 'invalid-length', permanent: true };
    case 0x45:
      return { reason: 'submit-failed', permanent: false };
    case 0x08:
      return { reason: 'system-error', permanent: false };
    default:
      return { reason: `rejected-0x${status.toString(16).padStart(2, '0')}`, permanent: false };
  }
}
