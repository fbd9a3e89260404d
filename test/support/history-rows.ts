import type { AttemptRow, VerificationRow, WebhookRow } from '../../src/history/port';

/** Rows for history tests: a plausible default, overridden per test. */
export function verificationRow(over: Partial<VerificationRow> = {}): VerificationRow {
  return {
    id: 'v0000000000000000000000000000001',
    v: 1,
    keyId: 'shop',
    number: 'hash-1',
    country: 'GB',
    numberType: 'MOBILE',
    prefix: '+44770',
    workflow: 'call',
    channel: 'call',
    lang: 'en',
    status: 'pending',
    reason: null,
    endedBy: null,
    createdAt: Date.UTC(2026, 10, 1, 12),
    updatedAt: Date.UTC(2026, 10, 1, 12),
    endedAt: null,
    checks: 0,
    delivered: false,
    ...over,
  };
}

export function attemptRow(over: Partial<AttemptRow> = {}): AttemptRow {
  return {
    verificationId: 'v0000000000000000000000000000001',
    n: 1,
    v: 2,
    keyId: 'shop',
    createdAt: Date.UTC(2026, 10, 1, 12),
    country: 'GB',
    prefix: '+44770',
    channel: 'call',
    status: 'completed',
    result: 'delivered',
    outcome: 'answered',
    node: 'simulator',
    trunk: 'carrier-a',
    callerId: '+442037691880',
    startedAt: Date.UTC(2026, 10, 1, 12),
    ringingAt: Date.UTC(2026, 10, 1, 12) + 500,
    answeredAt: Date.UTC(2026, 10, 1, 12) + 3000,
    endedAt: Date.UTC(2026, 10, 1, 12) + 20000,
    billsec: 17,
    sipStatus: 200,
    q850: 16,
    causeText: 'Normal Clearing',
    gate: null,
    dtmf: null,
    amd: null,
    amdCause: null,
    smsParts: null,
    smsStatus: null,
    smsGateway: null,
    smsEncoding: null,
    failover: [],
    costMicros: 12000,
    currency: 'EUR',
    ...over,
  };
}

export function webhookRow(over: Partial<WebhookRow> = {}): WebhookRow {
  return {
    webhookId: 'msg_1',
    attemptNo: 1,
    verificationId: 'v0000000000000000000000000000001',
    keyId: 'shop',
    type: 'verification.approved',
    urlHost: 'hooks.example.com',
    statusCode: 200,
    result: 'delivered',
    latencyMs: 12,
    at: Date.UTC(2026, 10, 1, 12, 1),
    ...over,
  };
}

/** A 32-hex verification id from a number. */
export function vid(i: number): string {
  return i.toString(16).padStart(32, '0');
}
