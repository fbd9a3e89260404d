import { callEnd, type CallCause, type CallEnd, type DialOutcome } from '../port';

/**
 * FreeSWITCH hang-up causes → the port's normalized outcomes.
 *
 * Derived from the recordings in test/fixtures/esl (replayed by
 * test/integration/esl-replay.test.ts): a failed `bgapi originate` answers `-ERR <CAUSE>` in its
 * BACKGROUND_JOB (`-ERR USER_BUSY`, `-ERR NO_ANSWER` when originate_timeout passes,
 * `-ERR CALL_REJECTED`, `-ERR UNALLOCATED_NUMBER`, `-ERR NORMAL_CLEARING` when the callee hangs
 * up before answering, `-ERR INVALID_PROFILE` for a dial string naming no SIP profile), and the
 * A leg's CHANNEL_HANGUP carries the same cause plus, over SIP, `variable_sip_term_status`
 * (486, 404…) — see sip-busy.json.
 */

/** Q.850 numbers of the FreeSWITCH cause names (switch_types.h). Names above 127 are FreeSWITCH's own. */
const CAUSE_CODES: Readonly<Record<string, number>> = {
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_TRANSIT_NET: 2,
  NO_ROUTE_DESTINATION: 3,
  CHANNEL_UNACCEPTABLE: 6,
  CALL_AWARDED_DELIVERED: 7,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  NUMBER_CHANGED: 22,
  REDIRECTION_TO_NEW_DESTINATION: 23,
  EXCHANGE_ROUTING_ERROR: 25,
  DESTINATION_OUT_OF_ORDER: 27,
  INVALID_NUMBER_FORMAT: 28,
  FACILITY_REJECTED: 29,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  NORMAL_UNSPECIFIED: 31,
  NORMAL_CIRCUIT_CONGESTION: 34,
  NETWORK_OUT_OF_ORDER: 38,
  NORMAL_TEMPORARY_FAILURE: 41,
  SWITCH_CONGESTION: 42,
  ACCESS_INFO_DISCARDED: 43,
  REQUESTED_CHAN_UNAVAIL: 44,
  PRE_EMPTED: 45,
  FACILITY_NOT_SUBSCRIBED: 50,
  OUTGOING_CALL_BARRED: 52,
  INCOMING_CALL_BARRED: 54,
  BEARERCAPABILITY_NOTAUTH: 57,
  BEARERCAPABILITY_NOTAVAIL: 58,
  SERVICE_UNAVAILABLE: 63,
  BEARERCAPABILITY_NOTIMPL: 65,
  CHAN_NOT_IMPLEMENTED: 66,
  FACILITY_NOT_IMPLEMENTED: 69,
  SERVICE_NOT_IMPLEMENTED: 79,
  INVALID_CALL_REFERENCE: 81,
  INCOMPATIBLE_DESTINATION: 88,
  INVALID_MSG_UNSPECIFIED: 95,
  MANDATORY_IE_MISSING: 96,
  MESSAGE_TYPE_NONEXIST: 97,
  WRONG_MESSAGE: 98,
  IE_NONEXIST: 99,
  INVALID_IE_CONTENTS: 100,
  WRONG_CALL_STATE: 101,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  MANDATORY_IE_LENGTH_ERROR: 103,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
};

const BY_CAUSE: Readonly<Record<string, DialOutcome>> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONSE: 'no-answer',
  ALLOTTED_TIMEOUT: 'no-answer',
  PROGRESS_TIMEOUT: 'no-answer',
  // The callee hung up before answering (loopback-hangup-immediately: -ERR NORMAL_CLEARING);
  // legacy reason 1 "hung up", like an explicit rejection.
  NORMAL_CLEARING: 'rejected',
  CALL_REJECTED: 'rejected',
  UNALLOCATED_NUMBER: 'unreachable',
  NO_ROUTE_TRANSIT_NET: 'unreachable',
  NO_ROUTE_DESTINATION: 'unreachable',
  NUMBER_CHANGED: 'unreachable',
  INVALID_NUMBER_FORMAT: 'unreachable',
  SUBSCRIBER_ABSENT: 'unreachable',
  USER_NOT_REGISTERED: 'unreachable',
  NORMAL_CIRCUIT_CONGESTION: 'congestion',
  SWITCH_CONGESTION: 'congestion',
  NETWORK_OUT_OF_ORDER: 'congestion',
  NORMAL_TEMPORARY_FAILURE: 'congestion',
  REQUESTED_CHAN_UNAVAIL: 'congestion',
  DESTINATION_OUT_OF_ORDER: 'congestion',
  RECOVERY_ON_TIMER_EXPIRE: 'congestion',
  ORIGINATOR_CANCEL: 'canceled',
};

/** SIP final statuses, used when the cause alone says nothing useful (NORMAL_UNSPECIFIED…). */
const BY_SIP: Readonly<Record<number, DialOutcome>> = {
  404: 'unreachable',
  410: 'unreachable',
  484: 'unreachable',
  604: 'unreachable',
  408: 'no-answer',
  480: 'no-answer',
  486: 'busy',
  600: 'busy',
  603: 'rejected',
  487: 'canceled',
  502: 'congestion',
  503: 'congestion',
  504: 'congestion',
};

/** The Q.850 number of a FreeSWITCH cause name; undefined for FreeSWITCH-only causes. */
export function q850Of(cause: string): number | undefined {
  return CAUSE_CODES[cause];
}

/** What FreeSWITCH reported about how a channel ended (CHANNEL_HANGUP / BACKGROUND_JOB). */
export interface HangupInfo {
  /** Cause name (`USER_BUSY`). */
  cause: string;
  q850?: number;
  sip?: number;
}

/** Reads the hang-up headers of a CHANNEL_HANGUP / CHANNEL_HANGUP_COMPLETE event. */
export function hangupInfo(event: Readonly<Record<string, string | undefined>>): HangupInfo | undefined {
  const cause = event['Hangup-Cause'];
  if (!cause) return undefined;
  const info: HangupInfo = { cause };
  const q850 = Number(event.variable_hangup_cause_q850 ?? q850Of(cause));
  if (Number.isInteger(q850) && q850 > 0) info.q850 = q850;
  const sipText = event.variable_sip_term_status ?? /^sip:(\d{3})$/.exec(event.variable_proto_specific_hangup_cause ?? '')?.[1];
  const sip = Number(sipText);
  if (sipText !== undefined && Number.isInteger(sip) && sip >= 100 && sip < 700) info.sip = sip;
  return info;
}

/** The cause the port reports for a FreeSWITCH hang-up. */
export function causeOf(info: HangupInfo): CallCause {
  const cause: CallCause = { text: info.cause };
  const q850 = info.q850 ?? q850Of(info.cause);
  if (q850 !== undefined) cause.q850 = q850;
  if (info.sip !== undefined) cause.sip = info.sip;
  return cause;
}

/** Normalizes the cause of a call that was never answered. */
export function dialOutcomeOf(info: HangupInfo): DialOutcome {
  const byCause = BY_CAUSE[info.cause];
  if (byCause) return byCause;
  const bySip = info.sip === undefined ? undefined : BY_SIP[info.sip];
  return bySip ?? 'failed';
}

/** A BACKGROUND_JOB body of `originate`: `+OK <uuid>\n` or `-ERR <CAUSE>\n` (or a usage text). */
export type OriginateReply = { ok: true; uuid: string } | { ok: false; cause: string; text: string };

export function parseOriginateReply(body: string): OriginateReply {
  const text = body.trim();
  const ok = /^\+OK\s+(\S+)/.exec(text);
  if (ok) return { ok: true, uuid: ok[1] as string };
  const err = /^-ERR\s+([A-Z0-9_]+)\s*$/.exec(text);
  if (err) return { ok: false, cause: err[1] as string, text };
  // -USAGE, "-ERR Cannot execute…", an empty body: not a telephony outcome.
  return { ok: false, cause: '', text: text === '' ? 'empty reply' : text.slice(0, 200) };
}

/**
 * The end of a failed originate: the BACKGROUND_JOB's `-ERR <CAUSE>` decides; the A leg's
 * CHANNEL_HANGUP (when one was seen, usually just before: see the recordings' `sequence`) adds
 * the SIP status and the Q.850 number.
 */
export function dialFailure(reply: Extract<OriginateReply, { ok: false }>, hangup: HangupInfo | undefined, at: number): CallEnd {
  if (reply.cause === '') return callEnd('failed', 'pbx', { text: reply.text }, at);
  const info: HangupInfo = hangup && hangup.cause === reply.cause ? hangup : { cause: reply.cause, ...(hangup?.sip !== undefined ? { sip: hangup.sip } : {}) };
  const outcome = dialOutcomeOf(info);
  return callEnd(outcome, outcome === 'failed' ? 'pbx' : 'remote', causeOf(info), at);
}

/** Causes that mean FreeSWITCH itself ended an answered call (not the callee, not us). */
const PBX_CAUSES = new Set(['SYSTEM_SHUTDOWN', 'CRASH', 'MEDIA_TIMEOUT', 'SRTP_READ_ERROR']);

/** Who ended an answered call, judged from the cause when we did not ask for it. */
export function endedBy(info: HangupInfo | undefined): CallEnd['by'] {
  return info && PBX_CAUSES.has(info.cause) ? 'pbx' : 'remote';
}
