import type { AttemptView, VerificationView } from '../verification/view';
import type { AttemptRow, ConversionRow, GroupBy, VerificationHistory, VerificationRow } from '../history/port';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Micro-units as a decimal string (exact: no float rounding). */
export function money(micros: number | null): string | null {
  if (micros === null) return null;
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.round(micros));
  return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}`;
}

export function historyVerificationView(row: VerificationRow, cost?: { micros: number | null; currency: string | null }) {
  return {
    id: row.id,
    key_id: row.keyId,
    status: row.status,
    reason: row.reason,
    ended_by: row.endedBy,
    /** Hashed, masked or full, as `history.numbers` says. */
    number: row.number,
    country: row.country,
    number_type: row.numberType,
    prefix: row.prefix,
    workflow: row.workflow,
    channel: row.channel,
    lang: row.lang,
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
    ended_at: iso(row.endedAt),
    checks: row.checks,
    delivered: row.delivered,
    ...(cost ? { cost: money(cost.micros), currency: cost.currency } : {}),
  };
}

export function historyAttemptView(a: AttemptRow) {
  return {
    n: a.n,
    channel: a.channel,
    status: a.status,
    result: a.result,
    outcome: a.outcome,
    node: a.node,
    trunk: a.trunk,
    caller_id: a.callerId,
    started_at: iso(a.startedAt) as string,
    ringing_at: iso(a.ringingAt),
    answered_at: iso(a.answeredAt),
    ended_at: iso(a.endedAt),
    billsec: a.billsec,
    cause: { sip: a.sipStatus, q850: a.q850, text: a.causeText },
    gate: a.gate,
    dtmf: a.dtmf,
    amd: a.amd,
    amd_cause: a.amdCause,
    sms_parts: a.smsParts,
    sms_status: a.smsStatus,
    sms_gateway: a.smsGateway,
    sms_encoding: a.smsEncoding,
    cost: money(a.costMicros),
    currency: a.currency,
  };
}

/** GET /v1/verifications/{id} after the live record expired: the live shape plus the history's detail. */
export function historyDetailView(h: VerificationHistory): VerificationView & Record<string, unknown> {
  const v = h.verification;
  return {
    id: v.id,
    status: v.status as VerificationView['status'],
    failure_reason: v.status === 'failed' ? (v.reason as VerificationView['failure_reason']) : null,
    to: v.number,
    channel: v.channel,
    workflow: v.workflow,
    lang: v.lang,
    amd: h.attempts.map(historyAmd).find((x) => x !== null)?.mode ?? 'off',
    created_at: iso(v.createdAt) as string,
    updated_at: iso(v.updatedAt) as string,
    expires_at: iso(v.endedAt ?? v.updatedAt) as string,
    code_expires_at: iso(v.endedAt ?? v.updatedAt) as string,
    ended_at: iso(v.endedAt),
    next_step_at: null,
    checks: { wrong: Math.max(0, v.checks - (v.reason === 'code-matched' ? 1 : 0)), max: v.checks, remaining: 0 },
    attempts: h.attempts.map((a) => ({
      n: a.n,
      channel: a.channel,
      status: a.status,
      started_at: iso(a.startedAt) as string,
      ended_at: iso(a.endedAt),
      result: a.result,
      outcome: a.outcome,
      reason_code: null,
      cause: a.sipStatus === null && a.q850 === null && a.causeText === null ? null : { q850: a.q850, sip: a.sipStatus, text: a.causeText },
      matched: a.dtmf === null ? null : a.dtmf === 'matched',
      detail: null,
      trunk: a.trunk,
      caller_id: a.callerId,
      failover: a.failover.map((f) => ({ trunk: f.trunk, outcome: f.outcome, cause: { q850: f.q850, sip: f.sip, text: f.text } })),
      amd: historyAmd(a),
      sms: smsView(a),
      cdr: historyAttemptView(a),
    })),
    source: 'history' as const,
    reason: v.reason,
    ended_by: v.endedBy,
    cost: money(h.costMicros),
    currency: h.currency,
  };
}

/** The live view's `amd` block from the history's two columns (`amd_cause` starts with the mode). */
function historyAmd(a: AttemptRow): AttemptView['amd'] {
  if (a.amd === null) return null;
  const words = (a.amdCause ?? '').split(' ');
  const mode = words[0] === 'wait_for_beep' ? 'wait_for_beep' : 'hangup';
  return {
    mode,
    result: a.amd === 'machine' || a.amd === 'notsure' ? a.amd : 'human',
    cause: words[1] ?? null,
    beep: words.includes('beep') ? true : words.includes('no-beep') ? false : null,
    message_left: words.includes('message'),
    ms: null,
  };
}

type SmsView = NonNullable<VerificationView['attempts'][number]['sms']>;

/**
 * The live `sms` block from an attempt row: the stored status is the CDR's (`accepted` until a
 * receipt, `delivered`, `unknown`, or the failure reason), mapped back to the receipt status.
 */
function smsView(a: AttemptRow): SmsView | null {
  if (a.channel !== 'sms' || a.smsParts === null) return null;
  const stored = a.smsStatus ?? 'accepted';
  const status: SmsView['status'] = stored === 'accepted' ? 'submitted' : stored === 'delivered' || stored === 'unknown' ? stored : 'failed';
  return {
    gateway: a.smsGateway ?? 'pbx',
    status,
    parts: a.smsParts,
    encoding: a.smsEncoding === 'ucs2' ? 'ucs2' : 'gsm7',
    cost: a.costMicros === null ? 0 : a.costMicros / 1e6,
    reason: status === 'failed' ? (stored) : null,
  };
}

export function conversionView(row: ConversionRow, groupBy: readonly GroupBy[]) {
  return {
    group: row.group,
    groups: Object.fromEntries(groupBy.map((by, i) => [by, row.groups[i] ?? ''])),
    started: row.started,
    delivered: row.delivered,
    verified: row.verified,
    conversion_rate: row.started === 0 ? 0 : Math.round((row.verified / row.started) * 10_000) / 10_000,
    median_time_to_verify_ms: row.medianTimeToVerifyMs,
    cost: money(row.costMicros),
    cost_per_verified: row.verified === 0 ? null : money(Math.round(row.costMicros / row.verified)),
    currency: row.currency,
  };
}

export const CSV_COLUMNS = [
  'verification_id', 'n', 'key_id', 'created_at', 'channel', 'status', 'result', 'outcome', 'country', 'prefix', 'node', 'trunk',
  'caller_id', 'started_at', 'ringing_at', 'answered_at', 'ended_at', 'billsec', 'sip_status', 'q850', 'cause_text', 'gate', 'dtmf',
  'sms_parts', 'sms_status', 'cost', 'currency', 'amd', 'amd_cause',
] as const;

/** One CSV field: quoted when needed; a leading = + - @ is neutralised (spreadsheet formula injection). */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(a: AttemptRow): string {
  const values: Array<string | number | null> = [
    a.verificationId, a.n, a.keyId, iso(a.createdAt), a.channel, a.status, a.result, a.outcome, a.country, a.prefix, a.node, a.trunk,
    a.callerId, iso(a.startedAt), iso(a.ringingAt), iso(a.answeredAt), iso(a.endedAt), a.billsec, a.sipStatus, a.q850, a.causeText,
    a.gate, a.dtmf, a.smsParts, a.smsStatus, money(a.costMicros), a.currency, a.amd, a.amdCause,
  ];
  return `${values.map(field).join(',')}\r\n`;
}
