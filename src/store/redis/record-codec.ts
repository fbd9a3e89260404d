import type { Attempt, VerificationRecord, VerificationStatus, WorkflowStep } from '../../verification/model';

/**
 * Compact encoding of a verification record for Redis: a JSON array with fields by position,
 * times as offsets from `createdAt`, short tags for enum values, trailing empty fields cut.
 * Memory per pending verification is what a shared store pays for (bench/store.bench.ts
 * measures it); a typical pending record takes about half the bytes of `JSON.stringify`.
 *
 * The array starts `[v,status,…` on purpose: the Lua scripts read the version (compare-and-set)
 * and whether the record is pending (number slot claim) with one pattern match, no JSON decode.
 * The record id is not stored (it is the key). Fields this codec does not know yet (a newer
 * model) go into a trailing object, so nothing is ever dropped silently.
 */

/** Format of the array below; bump on incompatible change. */
const FORMAT = 1;

const STATUSES: readonly VerificationStatus[] = ['pending', 'approved', 'failed', 'expired', 'canceled'];

/** Status → the digit the Lua scripts match (`0` is pending). */
export function statusDigit(status: VerificationStatus): number {
  const i = STATUSES.indexOf(status);
  if (i < 0) throw new RangeError(`unknown status ${status}`);
  return i;
}

const CHANNEL_TAGS: Record<string, string> = { call: 'c', reverse: 'r', sms: 's' };
const CHANNEL_NAMES: Record<string, string> = { c: 'call', r: 'reverse', s: 'sms' };

const RECORD_FIELDS = [
  'v', 'status', 'id', 'keyId', 'to', 'workflow', 'steps', 'lang', 'brand', 'sender', 'template', 'callerId', 'callbackUrl',
  'gate', 'createdAt', 'updatedAt', 'expiresAt', 'endedAt', 'codeLength', 'customCode', 'codeHash', 'codeSealed',
  'codeExpiresAt', 'codes', 'wrongChecks', 'maxChecks', 'nextStep', 'nextStepAt', 'attempts', 'expirySeconds',
] as const satisfies ReadonlyArray<keyof VerificationRecord>;

const ATTEMPT_FIELDS = [
  'n', 'channel', 'startedAt', 'endedAt', 'status', 'result', 'outcome', 'cause', 'reason', 'matched', 'instance', 'detail',
] as const satisfies ReadonlyArray<keyof Attempt>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Encodes a record (the id is the key and is left out). */
export function encodeRecord(r: VerificationRecord): string {
  const t0 = r.createdAt;
  const rel = (ms: number | undefined): Json => (ms === undefined ? null : ms - t0);
  const out: Json[] = [
    r.v,
    statusDigit(r.status),
    FORMAT,
    r.keyId,
    r.to,
    r.workflow,
    r.steps.map(encodeStep),
    r.lang,
    r.brand,
    r.sender ?? null,
    r.template ?? null,
    r.callerId ?? null,
    r.callbackUrl ?? null,
    r.gate ? 1 : 0,
    t0,
    rel(r.updatedAt),
    rel(r.expiresAt),
    rel(r.endedAt),
    r.codeLength,
    r.customCode ? 1 : 0,
    r.codeHash,
    r.codeSealed ?? null,
    rel(r.codeExpiresAt),
    r.codes,
    r.wrongChecks,
    r.maxChecks,
    r.nextStep,
    rel(r.nextStepAt),
    r.attempts.map((a) => encodeAttempt(a, t0)),
    r.expirySeconds,
    extras(r, RECORD_FIELDS),
  ];
  return JSON.stringify(trim(out));
}

/** Decodes what {@link encodeRecord} wrote for record `id`. */
export function decodeRecord(id: string, text: string): VerificationRecord {
  const a = JSON.parse(text) as Json[];
  if (a[2] !== FORMAT) throw new Error(`record ${id}: unknown encoding format ${JSON.stringify(a[2])}`);
  const at = (i: number): Json | undefined => a[i];
  const t0 = at(14) as number;
  const abs = (i: number): number | undefined => (typeof at(i) === 'number' ? t0 + (at(i) as number) : undefined);
  const record: VerificationRecord = {
    v: at(0) as number,
    id,
    keyId: at(3) as string,
    to: at(4) as string,
    workflow: at(5) as string,
    steps: (at(6) as Json[][]).map(decodeStep),
    lang: at(7) as string,
    brand: at(8) as string,
    gate: at(13) === 1,
    status: STATUSES[at(1) as number] as VerificationStatus,
    createdAt: t0,
    updatedAt: abs(15) as number,
    expiresAt: abs(16) as number,
    codeLength: at(18) as number,
    customCode: at(19) === 1,
    codeHash: at(20) as string,
    codeExpiresAt: abs(22) as number,
    codes: at(23) as number,
    wrongChecks: at(24) as number,
    maxChecks: at(25) as number,
    nextStep: at(26) as number,
    attempts: ((at(28) as Json[][] | undefined) ?? []).map((x) => decodeAttempt(x, t0)),
    expirySeconds: at(29) as number,
  };
  setString(record, 'sender', at(9));
  setString(record, 'template', at(10));
  setString(record, 'callerId', at(11));
  setString(record, 'callbackUrl', at(12));
  setString(record, 'codeSealed', at(21));
  const endedAt = abs(17);
  if (endedAt !== undefined) record.endedAt = endedAt;
  const nextStepAt = abs(27);
  if (nextStepAt !== undefined) record.nextStepAt = nextStepAt;
  Object.assign(record, at(30) ?? {});
  return record;
}

function encodeStep(s: WorkflowStep): Json[] {
  const step: Json[] = [CHANNEL_TAGS[s.channel] ?? s.channel, s.waitSeconds, s.code === 'new' ? 1 : 0, s.validitySeconds ?? null, s.amd ?? null];
  return trim(step);
}

function decodeStep(x: Json[]): WorkflowStep {
  const step: WorkflowStep = {
    channel: (CHANNEL_NAMES[x[0] as string] ?? x[0]) as WorkflowStep['channel'],
    waitSeconds: x[1] as number,
    code: x[2] === 1 ? 'new' : 'same',
  };
  if (typeof x[3] === 'number') step.validitySeconds = x[3];
  if (typeof x[4] === 'string') step.amd = x[4] as NonNullable<WorkflowStep['amd']>;
  return step;
}

function encodeAttempt(a: Attempt, t0: number): Json[] {
  const cause = a.cause ? trim([a.cause.q850 ?? null, a.cause.sip ?? null, a.cause.text ?? null]) : null;
  return trim([
    a.n,
    CHANNEL_TAGS[a.channel] ?? a.channel,
    a.startedAt - t0,
    a.endedAt === undefined ? null : a.endedAt - t0,
    a.status === 'running' ? 1 : 0,
    a.result ?? null,
    a.outcome ?? null,
    cause,
    // `reason: null` (answered) and an absent reason are different: -1 keeps null apart.
    a.reason === undefined ? null : a.reason === null ? -1 : a.reason,
    a.matched === undefined ? null : a.matched ? 1 : 0,
    a.instance ?? null,
    a.detail ?? null,
    extras(a, ATTEMPT_FIELDS),
  ]);
}

function decodeAttempt(x: Json[], t0: number): Attempt {
  const attempt: Attempt = {
    n: x[0] as number,
    channel: (CHANNEL_NAMES[x[1] as string] ?? x[1]) as Attempt['channel'],
    startedAt: t0 + (x[2] as number),
    status: x[4] === 1 ? 'running' : 'completed',
  };
  if (typeof x[3] === 'number') attempt.endedAt = t0 + x[3];
  if (typeof x[5] === 'string') attempt.result = x[5] as NonNullable<Attempt['result']>;
  if (typeof x[6] === 'string') attempt.outcome = x[6] as NonNullable<Attempt['outcome']>;
  if (Array.isArray(x[7])) {
    const [q850, sip, text] = x[7];
    attempt.cause = {};
    if (typeof q850 === 'number') attempt.cause.q850 = q850;
    if (typeof sip === 'number') attempt.cause.sip = sip;
    if (typeof text === 'string') attempt.cause.text = text;
  }
  if (typeof x[8] === 'number') attempt.reason = x[8] === -1 ? null : (x[8] as NonNullable<Attempt['reason']>);
  if (typeof x[9] === 'number') attempt.matched = x[9] === 1;
  if (typeof x[10] === 'string') attempt.instance = x[10];
  if (typeof x[11] === 'string') attempt.detail = x[11];
  if (x[12] && typeof x[12] === 'object') Object.assign(attempt, x[12]);
  return attempt;
}

/** Own properties the codec has no position for (kept in a trailing object), or null. */
function extras(value: object, known: readonly string[]): Json {
  let found: Record<string, Json> | null = null;
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || known.includes(key)) continue;
    found ??= {};
    found[key] = v as Json;
  }
  return found;
}

function setString<K extends 'sender' | 'template' | 'callerId' | 'callbackUrl' | 'codeSealed'>(record: VerificationRecord, key: K, value: Json | undefined): void {
  if (typeof value === 'string') record[key] = value;
}

/** Drops trailing nulls. */
function trim(values: Json[]): Json[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === null) end--;
  return end === values.length ? values : values.slice(0, end);
}
