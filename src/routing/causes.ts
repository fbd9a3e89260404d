import type { CallEnd } from '../pbx/port';

/**
 * The cause table, written once (docs/routing.md "Failover by cause"). It decides, for a dial
 * that did not answer, whether the TRUNK could not carry the call (try the next trunk of the
 * route, within the same attempt), or the PERSON's side ended it (busy, no answer, declined,
 * unallocated: the attempt ends), or we stopped it ourselves (canceled).
 *
 * Grounded in what the real PBXs report (test/integration/routing-causes-replay.test.ts replays the recordings in test/fixtures/):
 * - Asterisk (ARI): `Dial` dialstatus, `ChannelDestroyed` cause + tech_cause (the SIP status).
 *   A 503 from the far end comes as cause 34 / dialstatus CONGESTION (congestion.json); an
 *   unreachable channel technology as an HTTP 500 on originate (bad-tech.json: outcome failed).
 *   Asterisk's own ring timeout reports cause 19 WITH tech_cause 480 (pjsip-sipp-noanswer.json:
 *   ChannelDestroyed at 6067 ms of a 6 s timeout), so a 480 means "no answer" when it comes at
 *   the ring timeout and "the carrier refused" when it comes early.
 * - FreeSWITCH (ESL): `hangup_cause` names (mapped to Q.850 numbers by the driver) and
 *   `sip_term_status` (sip-busy.json: USER_BUSY + 486; bad-dialstring.json: INVALID_PROFILE,
 *   outcome failed).
 */
export type Verdict = 'trunk' | 'person' | 'ours';

export interface Classified {
  verdict: Verdict;
  /** Which row of the table decided (for logs, metrics and the docs' table). */
  rule: string;
}

/** SIP final statuses. */
const SIP_PERSON: ReadonlyMap<number, string> = new Map([
  [486, 'busy'],
  [600, 'busy everywhere'],
  [603, 'declined'],
  [404, 'not found (unallocated)'],
  [410, 'gone'],
  [484, 'address incomplete'],
  [604, 'does not exist anywhere'],
]);
const SIP_TRUNK: ReadonlyMap<number, string> = new Map([
  [403, 'forbidden by the carrier'],
  [488, 'not acceptable here (codecs)'],
  [500, 'server error'],
  [502, 'bad gateway'],
  [503, 'service unavailable'],
  [504, 'gateway timeout'],
]);
/** Ambiguous: the carrier's refusal when early, the callee not answering at the ring timeout. */
const SIP_EARLY_TRUNK: ReadonlyMap<number, string> = new Map([
  [408, 'request timeout'],
  [480, 'temporarily unavailable'],
]);

/** Q.850 causes. */
const Q850_PERSON: ReadonlyMap<number, string> = new Map([
  [1, 'unallocated number'],
  [16, 'callee hung up while ringing'],
  [17, 'user busy'],
  [18, 'no user responding'],
  [19, 'no answer'],
  [20, 'subscriber absent'],
  [21, 'call rejected'],
  [22, 'number changed'],
  [27, 'destination out of order'],
  [28, 'invalid number format'],
]);
const Q850_TRUNK: ReadonlyMap<number, string> = new Map([
  [2, 'no route to transit network'],
  [3, 'no route to destination'],
  [34, 'no circuit available'],
  [38, 'network out of order'],
  [41, 'temporary failure'],
  [42, 'switching equipment congestion'],
  [44, 'requested channel not available'],
  [47, 'resource unavailable'],
  [50, 'facility not subscribed'],
  [52, 'outgoing call barred'],
  [58, 'bearer capability not available'],
  [63, 'service unavailable'],
  [88, 'incompatible destination'],
  [102, 'recovery on timer expiry'],
  [111, 'protocol error'],
  [127, 'interworking'],
]);

/** A refusal before this share of the ring timeout is early (the carrier's, not the callee's silence). */
export const EARLY_SHARE = 0.8;

export interface DialTiming {
  /** From handing the call to the trunk to its refusal. */
  elapsedMs: number;
  ringTimeoutMs: number;
}

/** Classifies a dial that did not answer. Pure; the one place failover decisions are made. */
export function classifyEnd(end: CallEnd, timing?: DialTiming): Classified {
  if (end.outcome === 'canceled') return { verdict: 'ours', rule: 'canceled (the verification ended or the engine stops)' };
  const { sip, q850 } = end.cause;
  if (sip !== undefined) {
    const person = SIP_PERSON.get(sip);
    if (person) return { verdict: 'person', rule: `SIP ${sip} ${person}` };
    const trunk = SIP_TRUNK.get(sip);
    if (trunk) return { verdict: 'trunk', rule: `SIP ${sip} ${trunk}` };
    const early = SIP_EARLY_TRUNK.get(sip);
    // FreeSWITCH reports a callee who hangs up while ringing as NORMAL_CLEARING with a 480
    // (sip-hangup-immediately.json): the Q.850 cause of a person wins over the bare 480.
    if (early && (q850 === 16 || q850 === 21)) return { verdict: 'person', rule: `SIP ${sip} with Q.850 ${q850} (the callee hung up or rejected)` };
    if (early) {
      const isEarly = timing !== undefined && timing.elapsedMs < timing.ringTimeoutMs * EARLY_SHARE;
      return isEarly ? { verdict: 'trunk', rule: `SIP ${sip} ${early}, before the ring timeout` } : { verdict: 'person', rule: `SIP ${sip} at the ring timeout (no answer)` };
    }
  }
  if (q850 !== undefined) {
    const person = Q850_PERSON.get(q850);
    if (person) return { verdict: 'person', rule: `Q.850 ${q850} ${person}` };
    const trunk = Q850_TRUNK.get(q850);
    if (trunk) return { verdict: 'trunk', rule: `Q.850 ${q850} ${trunk}` };
  }
  switch (end.outcome) {
    case 'busy':
    case 'no-answer':
    case 'rejected':
    case 'unreachable':
      return { verdict: 'person', rule: `outcome ${end.outcome}` };
    case 'congestion':
      return { verdict: 'trunk', rule: 'outcome congestion' };
    case 'failed':
      // Node down, trunk full (dialer queue), a driver or PBX error, an unknown endpoint: not the person.
      return { verdict: 'trunk', rule: 'outcome failed (node down, trunk full, PBX error)' };
    case 'answered':
      return { verdict: 'person', rule: 'answered' };
  }
  return { verdict: 'trunk', rule: 'unknown' };
}

/** The table as rows, for GET /v1/trunks and the docs test (docs/routing.md must list each). */
export function causeTable(): Array<{ signal: string; verdict: Verdict | 'trunk-if-early'; meaning: string }> {
  return [
    ...[...SIP_PERSON].map(([code, meaning]) => ({ signal: `SIP ${code}`, verdict: 'person' as const, meaning })),
    ...[...SIP_TRUNK].map(([code, meaning]) => ({ signal: `SIP ${code}`, verdict: 'trunk' as const, meaning })),
    ...[...SIP_EARLY_TRUNK].map(([code, meaning]) => ({ signal: `SIP ${code}`, verdict: 'trunk-if-early' as const, meaning })),
    ...[...Q850_PERSON].map(([code, meaning]) => ({ signal: `Q.850 ${code}`, verdict: 'person' as const, meaning })),
    ...[...Q850_TRUNK].map(([code, meaning]) => ({ signal: `Q.850 ${code}`, verdict: 'trunk' as const, meaning })),
  ];
}
