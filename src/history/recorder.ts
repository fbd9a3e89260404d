import type { Attempt, AttemptCdr, DomainEvent, VerificationRecord } from '../verification/model';
import type { EventSink } from '../verification/ports';
import { failReasonOf } from '../verification/transitions';
import { HmacSha256 } from '../lib/hmac';
import { maskNumber } from '../lib/mask';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CostModel } from './cost';
import type { HistoryOutbox } from './outbox/outbox';
import type { AttemptRow, HistoryEvent, VerificationRow, WebhookRow } from './port';

/** How numbers are kept in the history (`history.numbers`). */
export type NumberPrivacy = 'full' | 'masked' | 'hashed';

export interface RecorderOptions {
  outbox: HistoryOutbox;
  numbers: NumberPrivacy;
  /** Engine secret: hashed numbers are an HMAC under a key derived from it. */
  secret: string;
  /** Digits of the number kept for grouping (after `+`). */
  prefixDigits: number;
  /** The rate decks (cost of each completed attempt); none loaded: no cost. */
  rates?: () => CostModel | undefined;
  /** The rate deck of a call's trunk (its `rateDeck`, else its name); the trunk's name when absent. */
  callDeck?: (trunk: string) => string;
  /** The rate deck of the SMS gateway that sent it (the gateway's `rateDeck`); `sms` when absent. */
  smsDeck?: (gateway: string | undefined) => string;
}

/**
 * The stored form of a number under `history.numbers` (the recorder writes it; the API's and the
 * CLI's `number` searches look it up): hashed is an HMAC under a key derived from the engine secret.
 */
export function numberStorage(numbers: NumberPrivacy, secret: string): (e164: string) => string {
  const hmac = new HmacSha256(new HmacSha256(Buffer.from(secret, 'utf8')).digest('pbxverify history number v1'));
  switch (numbers) {
    case 'full':
      return (e164) => e164;
    case 'masked':
      return maskNumber;
    case 'hashed':
      return (e164) => hmac.digest(e164).toString('hex');
  }
}

interface NumberFields {
  number: string;
  country: string | null;
  numberType: string | null;
  prefix: string;
}

/** Numbers parsed lately, by verification id (one parse per verification, not per event). */
const CACHE_SIZE = 10_000;

/**
 * Turns domain events into history rows and appends them to the outbox. It runs on the request
 * path, so it never touches the history database: the outbox append is an in-process push
 * (memory store) or one Redis command (Redis store), and the writer loop does the rest.
 */
export class HistoryRecorder implements EventSink {
  private readonly cache = new Map<string, NumberFields>();
  /** The stored form of a number (for the `number` filter of the history API). */
  readonly storedNumber: (e164: string) => string;

  constructor(private readonly opts: RecorderOptions) {
    this.storedNumber = numberStorage(opts.numbers, opts.secret);
  }

  async publish(event: DomainEvent): Promise<void> {
    const rows: HistoryEvent[] = [{ kind: 'verification', row: this.verificationRow(event.record) }];
    if (event.type === 'attempt.started' || event.type === 'attempt.completed') {
      rows.push({ kind: 'attempt', row: this.attemptRow(event.record, event.attempt, event.type === 'attempt.completed' ? event.cdr : undefined) });
    }
    if (event.type !== 'verification.started' && event.type !== 'attempt.started' && event.type !== 'attempt.completed') this.cache.delete(event.record.id);
    await this.opts.outbox.append(rows);
  }

  /** One webhook delivery try (from the dispatcher). */
  async delivery(row: WebhookRow): Promise<void> {
    await this.opts.outbox.append([{ kind: 'webhook', row }]);
  }


  private deckFor(attempt: Attempt, trunk: string): string {
    if (attempt.channel === 'sms') return this.opts.smsDeck?.(attempt.sms?.gateway) ?? 'sms';
    return this.opts.callDeck?.(trunk) ?? trunk;
  }

  private numberFields(record: VerificationRecord): NumberFields {
    const seen = this.cache.get(record.id);
    if (seen) return seen;
    const parsed = parsePhoneNumberFromString(record.to);
    const fields: NumberFields = {
      number: this.storedNumber(record.to),
      country: parsed?.country ?? null,
      numberType: parsed?.getType() ?? null,
      prefix: `+${record.to.replace(/^\+/, '').slice(0, this.opts.prefixDigits)}`,
    };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(record.id, fields);
    return fields;
  }

  private verificationRow(record: VerificationRecord): VerificationRow {
    const matched = record.attempts.some((a) => a.matched === true);
    const { reason, endedBy } = ending(record, matched);
    return {
      id: record.id,
      v: record.v,
      keyId: record.keyId,
      ...this.numberFields(record),
      workflow: record.workflow,
      channel: record.steps[0]?.channel ?? 'call',
      lang: record.lang,
      status: record.status,
      reason,
      endedBy,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      endedAt: record.endedAt ?? null,
      checks: record.wrongChecks + (record.status === 'approved' && !matched ? 1 : 0),
      delivered: record.attempts.some((a) => a.outcome === 'answered' || (a.channel === 'sms' && a.result === 'delivered')),
    };
  }

  private attemptRow(record: VerificationRecord, attempt: Attempt, cdr: AttemptCdr | undefined): AttemptRow {
    const fields = this.numberFields(record);
    const cause = cdr?.cause ?? attempt.cause;
    const billsec = cdr?.billsec ?? (attempt.status === 'completed' && attempt.channel !== 'sms' ? 0 : null);
    const cost =
      attempt.status === 'completed'
        ? this.opts.rates?.()?.cost({ trunk: this.deckFor(attempt, cdr?.trunk ?? 'default'), number: record.to, channel: attempt.channel, billsec, smsParts: cdr?.smsParts ?? null, answered: attempt.outcome === 'answered', at: attempt.startedAt })
        : undefined;
    return {
      verificationId: record.id,
      n: attempt.n,
      v: record.v,
      keyId: record.keyId,
      createdAt: record.createdAt,
      country: fields.country,
      prefix: fields.prefix,
      channel: attempt.channel,
      status: attempt.status,
      result: attempt.result ?? null,
      outcome: attempt.outcome ?? null,
      node: cdr?.node ?? null,
      trunk: cdr?.trunk ?? null,
      callerId: attempt.channel === 'sms' ? null : (cdr?.callerId ?? record.callerId ?? null),
      startedAt: attempt.startedAt,
      ringingAt: cdr?.ringingAt ?? null,
      answeredAt: cdr?.answeredAt ?? null,
      endedAt: attempt.endedAt ?? cdr?.endedAt ?? null,
      billsec,
      sipStatus: cause?.sip ?? null,
      q850: cause?.q850 ?? null,
      causeText: cause?.text?.slice(0, 100) ?? null,
      gate: gateResult(record, attempt),
      dtmf: attempt.channel !== 'reverse' || attempt.status !== 'completed' ? null : attempt.matched ? 'matched' : attempt.result === 'no-input' ? 'no-input' : attempt.result === 'mismatch' ? 'mismatch' : null,
      amd: attempt.amd?.result ?? null,
      amdCause: amdCause(attempt),
      smsParts: cdr?.smsParts ?? null,
      smsStatus: cdr?.smsStatus ?? null,
      smsGateway: attempt.sms?.gateway ?? null,
      smsEncoding: attempt.sms?.encoding ?? null,
      failover: (attempt.failover ?? []).map((f) => ({ trunk: f.trunk, outcome: f.outcome, sip: f.cause?.sip ?? null, q850: f.cause?.q850 ?? null, text: f.cause?.text?.slice(0, 100) ?? null })),
      costMicros: cost?.micros ?? null,
      currency: cost?.currency ?? null,
    };
  }
}

/** Why and by whom a verification ended, from its final record. */
function ending(record: VerificationRecord, matched: boolean): { reason: string | null; endedBy: string | null } {
  switch (record.status) {
    case 'pending':
      return { reason: null, endedBy: null };
    case 'approved':
      return matched ? { reason: 'keypad-matched', endedBy: 'phone' } : { reason: 'code-matched', endedBy: 'api' };
    case 'failed': {
      const reason = failReasonOf(record) ?? 'failed';
      return { reason, endedBy: reason === 'too-many-wrong-codes' ? 'api' : 'engine' };
    }
    case 'expired':
      return { reason: 'expired', endedBy: 'engine' };
    case 'canceled':
      return { reason: 'canceled', endedBy: 'api' };
  }
}

/** The mode, the detector's cause and what followed: `wait_for_beep LONGGREETING-2000-1500 beep message`. Never audio. */
function amdCause(attempt: Attempt): string | null {
  const amd = attempt.amd;
  if (!amd) return null;
  const parts = [amd.mode, amd.cause ?? amd.result];
  if (amd.beep !== undefined) parts.push(amd.beep ? 'beep' : 'no-beep');
  if (amd.messageLeft) parts.push('message');
  return parts.join(' ').slice(0, 100);
}

/** The anti-voicemail gate's result (never the digit): passed, wrong, none. */
function gateResult(record: VerificationRecord, attempt: Attempt): string | null {
  if (!record.gate || attempt.channel !== 'call' || attempt.status !== 'completed' || attempt.outcome !== 'answered') return null;
  if (attempt.result === 'gate-failed') return attempt.detail === 'no digit' ? 'none' : 'wrong';
  return attempt.result === 'delivered' ? 'passed' : null;
}
