import type { AttemptRow, FailoverRow, RateRow, VerificationRow, WebhookRow } from '../port';
import type { AttemptsTable, RatesTable, VerificationsTable, WebhookDeliveriesTable } from './schema';

/** Row shapes between the port (camelCase, booleans) and the tables (snake_case, 0/1). */

export function verificationToDb(r: VerificationRow): VerificationsTable {
  return {
    id: r.id,
    v: r.v,
    key_id: r.keyId,
    number: r.number,
    country: r.country,
    number_type: r.numberType,
    prefix: r.prefix,
    workflow: r.workflow,
    channel: r.channel,
    lang: r.lang,
    status: r.status,
    reason: r.reason,
    ended_by: r.endedBy,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ended_at: r.endedAt,
    checks: r.checks,
    delivered: r.delivered ? 1 : 0,
  };
}

export function verificationFromDb(r: VerificationsTable): VerificationRow {
  return {
    id: r.id,
    v: Number(r.v),
    keyId: r.key_id,
    number: r.number,
    country: r.country,
    numberType: r.number_type,
    prefix: r.prefix,
    workflow: r.workflow,
    channel: r.channel,
    lang: r.lang,
    status: r.status,
    reason: r.reason,
    endedBy: r.ended_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    endedAt: num(r.ended_at),
    checks: Number(r.checks),
    delivered: Number(r.delivered) === 1,
  };
}

export function attemptToDb(r: AttemptRow): AttemptsTable {
  return {
    verification_id: r.verificationId,
    n: r.n,
    v: r.v,
    key_id: r.keyId,
    created_at: r.createdAt,
    country: r.country,
    prefix: r.prefix,
    channel: r.channel,
    status: r.status,
    result: r.result,
    outcome: r.outcome,
    node: r.node,
    trunk: r.trunk,
    caller_id: r.callerId,
    started_at: r.startedAt,
    ringing_at: r.ringingAt,
    answered_at: r.answeredAt,
    ended_at: r.endedAt,
    billsec: r.billsec,
    sip_status: r.sipStatus,
    q850: r.q850,
    cause_text: r.causeText,
    gate: r.gate,
    dtmf: r.dtmf,
    amd: r.amd,
    amd_cause: r.amdCause,
    sms_parts: r.smsParts,
    sms_status: r.smsStatus,
    sms_gateway: r.smsGateway,
    sms_encoding: r.smsEncoding,
    failover: r.failover.length === 0 ? null : JSON.stringify(r.failover),
    cost_micros: r.costMicros,
    currency: r.currency,
  };
}

export function attemptFromDb(r: AttemptsTable): AttemptRow {
  return {
    verificationId: r.verification_id,
    n: Number(r.n),
    v: Number(r.v),
    keyId: r.key_id,
    createdAt: Number(r.created_at),
    country: r.country,
    prefix: r.prefix,
    channel: r.channel,
    status: r.status === 'running' ? 'running' : 'completed',
    result: r.result,
    outcome: r.outcome,
    node: r.node,
    trunk: r.trunk,
    callerId: r.caller_id,
    startedAt: Number(r.started_at),
    ringingAt: num(r.ringing_at),
    answeredAt: num(r.answered_at),
    endedAt: num(r.ended_at),
    billsec: num(r.billsec),
    sipStatus: num(r.sip_status),
    q850: num(r.q850),
    causeText: r.cause_text,
    gate: r.gate,
    dtmf: r.dtmf,
    amd: r.amd ?? null,
    amdCause: r.amd_cause ?? null,
    smsParts: num(r.sms_parts),
    smsStatus: r.sms_status,
    smsGateway: r.sms_gateway,
    smsEncoding: r.sms_encoding,
    failover: failoverFromDb(r.failover),
    costMicros: num(r.cost_micros),
    currency: r.currency,
  };
}

export function webhookFromDb(r: WebhookDeliveriesTable): WebhookRow {
  return {
    webhookId: r.webhook_id,
    attemptNo: Number(r.attempt_no),
    verificationId: r.verification_id,
    keyId: r.key_id,
    type: r.type,
    urlHost: r.url_host,
    statusCode: r.status_code === null ? null : Number(r.status_code),
    result: r.result as WebhookRow['result'],
    latencyMs: Number(r.latency_ms),
    at: Number(r.at),
  };
}

export function webhookToDb(r: WebhookRow): WebhookDeliveriesTable {
  return {
    webhook_id: r.webhookId,
    attempt_no: r.attemptNo,
    verification_id: r.verificationId,
    key_id: r.keyId,
    type: r.type,
    url_host: r.urlHost,
    status_code: r.statusCode,
    result: r.result,
    latency_ms: Math.round(r.latencyMs),
    at: r.at,
  };
}

export function rateToDb(r: RateRow): RatesTable {
  return {
    trunk: r.trunk,
    prefix: r.prefix,
    rate_per_min_micros: r.ratePerMinMicros,
    first_increment: r.firstIncrement,
    next_increment: r.nextIncrement,
    connection_fee_micros: r.connectionFeeMicros,
    sms_price_micros: r.smsPriceMicros,
    currency: r.currency,
    valid_from: r.validFrom,
  };
}

export function rateFromDb(r: RatesTable): RateRow {
  return {
    trunk: r.trunk,
    prefix: r.prefix,
    ratePerMinMicros: Number(r.rate_per_min_micros),
    firstIncrement: Number(r.first_increment),
    nextIncrement: Number(r.next_increment),
    connectionFeeMicros: Number(r.connection_fee_micros),
    smsPriceMicros: Number(r.sms_price_micros),
    currency: r.currency,
    validFrom: Number(r.valid_from),
  };
}

function num(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

/** The stored failover list; an unreadable one reads as empty (it is detail, never a reason to fail a read). */
function failoverFromDb(text: string | null): FailoverRow[] {
  if (text === null || text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as FailoverRow[]) : [];
  } catch {
    return [];
  }
}
