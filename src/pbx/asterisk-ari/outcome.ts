import type { CallCause, DialOutcome } from '../port';
import type { AriEvent } from './wire';

/**
 * Outcome mapping, derived from the Asterisk 22 recordings (test/fixtures/ari):
 *
 * | recording            | what tells the outcome                                   | outcome     |
 * |----------------------|----------------------------------------------------------|-------------|
 * | answer-*             | StasisStart on the originated channel (already Up)       | answered    |
 * | busy                 | Dial BUSY; ChannelDestroyed says cause 0 on Local ;1     | busy        |
 * | congestion           | Dial CONGESTION; ;1 destroyed with cause 0               | congestion  |
 * | noanswer             | no final Dial; ChannelDestroyed cause 19                 | no-answer   |
 * | reject               | Dial NOANSWER (!) + cause 21                             | rejected    |
 * | unallocated          | Dial NOANSWER (!) + cause 1                              | unreachable |
 * | hangup-immediately   | Dial NOANSWER + cause 16 before answer                   | rejected    |
 * | nonexistent-exten    | no Dial, causes 0 on both halves                         | failed      |
 * | pjsip-sipp-busy      | cause 17 + tech_cause 486                                | busy        |
 * | pjsip-sipp-noanswer  | no final Dial, cause 19 + tech_cause 480                 | no-answer   |
 * | bad-tech / unknown   | originate answers HTTP 500 "Allocation failed"           | failed      |
 *
 * Dial's dialstatus wins when it is specific (BUSY, CONGESTION, CHANUNAVAIL); otherwise the
 * first non-zero Q.850 cause seen on the originated channel or its Local `;2` half decides, then
 * the SIP `tech_cause`. `soft: true` hang-up requests carry Asterisk's soft-hangup flag, not a
 * Q.850 cause (cause 32 = hung up through ARI), so they are ignored.
 */

/** Q.850 cause → outcome, for calls that never answered. */
export function outcomeForCause(q850: number): DialOutcome | undefined {
  switch (q850) {
    case 17: // user busy
      return 'busy';
    case 18: // no user responding
    case 19: // user alerting, no answer
      return 'no-answer';
    case 16: // normal clearing before answer: the callee hung up while ringing
    case 21: // call rejected
      return 'rejected';
    case 1: // unallocated number
    case 3: // no route to destination
    case 20: // subscriber absent
    case 22: // number changed
    case 27: // destination out of order
    case 28: // invalid number format
      return 'unreachable';
    case 34: // no circuit/channel available
    case 38: // network out of order
    case 41: // temporary failure
    case 42: // switching equipment congestion
    case 44: // requested channel not available
    case 47: // resource unavailable
      return 'congestion';
    default:
      return undefined;
  }
}

/** SIP final status → outcome (PJSIP `tech_cause`), when the Q.850 cause says nothing. */
export function outcomeForSip(status: number): DialOutcome | undefined {
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408) return 'no-answer';
  if (status === 603) return 'rejected';
  if (status === 404 || status === 484 || status === 410 || status === 604) return 'unreachable';
  if (status === 503 || status === 502 || status === 504) return 'congestion';
  return undefined;
}

/** dialstatus values precise enough to decide by themselves. */
function outcomeForDialStatus(status: string): DialOutcome | undefined {
  switch (status) {
    case 'BUSY':
      return 'busy';
    case 'CONGESTION':
      return 'congestion';
    case 'CHANUNAVAIL':
      return 'unreachable';
    default:
      // NOANSWER also covers rejects and callee hang-ups (recordings reject, unallocated,
      // hangup-immediately); ANSWER is confirmed by StasisStart; RINGING/PROGRESS/"" are progress.
      return undefined;
  }
}

export type DialDecision =
  | { kind: 'answered' }
  | { kind: 'failed'; outcome: DialOutcome; cause: CallCause };

/**
 * Follows one originated channel's events until the dial is decided. Pure: feed it events,
 * read the decision. Events of the Local channel's `;2` half count as hints.
 */
export class DialTracker {
  private dialStatus = '';
  private readonly causes: number[] = [];
  private sip: number | undefined;
  private decided: DialDecision | undefined;

  constructor(readonly channelId: string) {}

  get decision(): DialDecision | undefined {
    return this.decided;
  }

  /** Feeds one event; returns the decision once made (and on every later call). */
  feed(ev: AriEvent): DialDecision | undefined {
    if (this.decided) return this.decided;
    const own = (id: string): boolean => id === this.channelId;
    const half = (id: string): boolean => id === `${this.channelId};2`;
    switch (ev.type) {
      case 'StasisStart':
        if (own(ev.channel.id)) this.decided = { kind: 'answered' };
        break;
      case 'Dial':
        if (own(ev.peer.id) && ev.dialstatus !== '') this.dialStatus = ev.dialstatus;
        break;
      case 'ChannelHangupRequest':
        if ((own(ev.channel.id) || half(ev.channel.id)) && !ev.soft) this.note(ev.cause, ev.tech_cause);
        break;
      case 'ChannelDestroyed':
        if (half(ev.channel.id)) this.note(ev.cause, ev.tech_cause);
        if (own(ev.channel.id)) {
          this.note(ev.cause, ev.tech_cause);
          this.decided = this.failure(ev.cause_txt);
        }
        break;
      default:
        break;
    }
    return this.decided;
  }

  private note(cause: number | undefined, tech: number | undefined): void {
    if (cause !== undefined && cause > 0) this.causes.push(cause);
    if (tech !== undefined && tech > 0) this.sip ??= tech;
  }

  /** The decision for a channel destroyed before it entered Stasis. */
  failure(causeTxt?: string): DialDecision {
    const q850 = this.causes[0];
    const outcome =
      outcomeForDialStatus(this.dialStatus) ??
      (q850 !== undefined ? outcomeForCause(q850) : undefined) ??
      (this.sip !== undefined ? outcomeForSip(this.sip) : undefined) ??
      'failed';
    const text = [this.dialStatus, causeTxt].filter((s) => s !== undefined && s !== '').join(' / ');
    const cause: CallCause = {
      ...(q850 !== undefined ? { q850 } : {}),
      ...(this.sip !== undefined ? { sip: this.sip } : {}),
      ...(text ? { text } : {}),
    };
    return { kind: 'failed', outcome, cause };
  }
}

/**
 * The ringing event of an originated channel: its own `ChannelStateChange` to Ringing (180 on
 * PJSIP, the Local `;1` half when the far end alerts), or a `Dial` RINGING / PROGRESS for it
 * (recordings noanswer, pjsip-sipp-noanswer). The `;2` half's state `Ring` is the Local channel's
 * own inbound side, not the callee alerting, so it does not count.
 */
export function ringingOf(ev: AriEvent, channelId: string): 'ringing' | 'progress' | undefined {
  if (ev.type === 'ChannelStateChange' && ev.channel.id === channelId && ev.channel.state === 'Ringing') return 'ringing';
  if (ev.type === 'Dial' && ev.peer.id === channelId && (ev.dialstatus === 'RINGING' || ev.dialstatus === 'PROGRESS')) {
    return ev.dialstatus === 'RINGING' ? 'ringing' : 'progress';
  }
  return undefined;
}

/** The cause reported for an answered call that ended. */
export function answeredCause(ev: { cause?: number; cause_txt?: string; tech_cause?: number }): CallCause {
  return {
    ...(ev.cause !== undefined && ev.cause > 0 ? { q850: ev.cause } : {}),
    ...(ev.tech_cause !== undefined ? { sip: ev.tech_cause } : {}),
    ...(ev.cause_txt ? { text: ev.cause_txt } : {}),
  };
}
