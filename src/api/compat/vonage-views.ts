import type { ApiKeyConfig } from '../../config/schema';
import type { VerificationRecord } from '../../verification/model';

/** Vonage Verify v1 response shapes (search results) built from our records. */

const STATUS: Readonly<Record<VerificationRecord['status'], string>> = {
  pending: 'IN PROGRESS',
  approved: 'SUCCESS',
  failed: 'FAILED',
  expired: 'EXPIRED',
  canceled: 'CANCELLED',
};

/** No prices here: the operator's own PBX bills elsewhere. */
export const NO_PRICE = '0.00000000';
export const CURRENCY = 'EUR';

/** `YYYY-MM-DD HH:MM:SS` (UTC), Vonage's date format. */
export function vonageDate(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The id of an event (an SMS or a call): the verification id and the attempt number. */
export function eventId(record: VerificationRecord, n: number): string {
  return `${record.id}-${n}`;
}

export interface SearchResult {
  request_id: string;
  account_id: string;
  number: string;
  sender_id: string;
  date_submitted: string;
  date_finalized: string;
  first_event_date: string;
  last_event_date: string;
  price: string;
  currency: string;
  status: string;
  /** Always empty: pbxverify never keeps the codes users typed. */
  checks: never[];
  events: Array<{ type: 'sms' | 'tts'; id: string }>;
  estimated_price_messages_sent: string;
}

export function searchResult(record: VerificationRecord, key: ApiKeyConfig): SearchResult {
  return {
    request_id: record.id,
    account_id: key.id,
    number: record.to.slice(1),
    sender_id: record.sender ?? 'verify',
    date_submitted: vonageDate(record.createdAt),
    date_finalized: vonageDate(record.endedAt),
    first_event_date: vonageDate(record.attempts[0]?.startedAt),
    last_event_date: vonageDate(record.attempts.at(-1)?.startedAt),
    price: NO_PRICE,
    currency: CURRENCY,
    status: STATUS[record.status],
    checks: [],
    events: record.attempts.map((a) => ({ type: a.channel === 'sms' ? 'sms' : 'tts', id: eventId(record, a.n) })),
    estimated_price_messages_sent: NO_PRICE,
  };
}
