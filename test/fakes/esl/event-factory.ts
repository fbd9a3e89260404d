import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESL_RECORDINGS } from '../../fixtures/paths';
import type { EventBody } from './frames';

/**
 * Builds events with the headers, header order and constant values of real FreeSWITCH 1.10
 * events (test/fixtures/esl/templates.json, imported from the wire captures); only what differs per
 * call (uuid, names, states, times, sequence, variables, event-specific headers) is filled in.
 */

interface Template {
  headers: Array<[string, string]>;
  variables: Array<[string, string]>;
}
interface Templates {
  status: string;
  events: Record<string, Record<string, Template>>;
}

const TEMPLATES = JSON.parse(readFileSync(join(ESL_RECORDINGS, 'templates.json'), 'utf8')) as Templates;

/** The `api status` text of the recorded FreeSWITCH. */
export const STATUS_TEXT = TEMPLATES.status;

export type ChannelState = 'CS_NEW' | 'CS_INIT' | 'CS_ROUTING' | 'CS_CONSUME_MEDIA' | 'CS_EXECUTE' | 'CS_HANGUP' | 'CS_REPORTING' | 'CS_DESTROY' | 'CS_NONE';
const STATE_NUMBER: Record<ChannelState, string> = {
  CS_NEW: '0',
  CS_INIT: '1',
  CS_ROUTING: '2',
  CS_CONSUME_MEDIA: '5',
  CS_EXECUTE: '4',
  CS_HANGUP: '10',
  CS_REPORTING: '11',
  CS_DESTROY: '12',
  CS_NONE: '0',
};

/** What an event needs to know about a channel. */
export interface ChannelView {
  uuid: string;
  name: string;
  leg: 'a' | 'b';
  direction: 'outbound' | 'inbound';
  state: ChannelState;
  callState: 'DOWN' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HANGUP';
  answerState: 'ringing' | 'early' | 'answered' | 'hangup';
  destination: string;
  callerIdNumber: string;
  source: string;
  createdUs: number;
  answeredUs: number;
  hangupUs: number;
  hangupCause?: string | undefined;
  vars: ReadonlyMap<string, string>;
}

const pad = (n: number): string => String(n).padStart(2, '0');

export class EventFactory {
  readonly coreUuid = randomUUID();
  private sequence = 1000;

  nowUs(): number {
    return Date.now() * 1000;
  }

  private stamp(): Array<[string, string]> {
    const now = new Date();
    const local = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
    return [
      ['Event-Date-Local', local],
      ['Event-Date-GMT', now.toUTCString()],
      ['Event-Date-Timestamp', String(now.getTime() * 1000)],
    ];
  }

  private template(name: string, leg: 'a' | 'b' | 'none'): Template {
    const byLeg = TEMPLATES.events[name] ?? TEMPLATES.events.CHANNEL_ANSWER;
    const found = byLeg?.[leg] ?? byLeg?.a ?? byLeg?.b ?? TEMPLATES.events.CHANNEL_ANSWER?.a;
    if (!found) throw new Error(`no template for ${name}`);
    return found;
  }

  /** A channel event; `extra` are the event-specific headers (Application…, DTMF-…, Playback-…). */
  channel(name: string, ch: ChannelView, extra: Record<string, string> = {}): EventBody {
    const template = this.template(name, ch.leg);
    const stamp = new Map(this.stamp());
    const dynamic: Record<string, string> = {
      'Event-Name': name,
      'Core-UUID': this.coreUuid,
      'Event-Sequence': String(++this.sequence),
      'Channel-State': ch.state,
      'Channel-Call-State': ch.callState,
      'Channel-State-Number': STATE_NUMBER[ch.state],
      'Channel-Name': ch.name,
      'Unique-ID': ch.uuid,
      'Call-Direction': ch.direction,
      'Presence-Call-Direction': ch.direction,
      'Channel-Call-UUID': ch.uuid,
      'Answer-State': ch.answerState,
      'Caller-Direction': ch.direction,
      'Caller-Logical-Direction': ch.direction,
      'Caller-Orig-Caller-ID-Number': ch.callerIdNumber,
      'Caller-Callee-ID-Number': ch.callerIdNumber,
      'Caller-ANI': ch.callerIdNumber,
      'Caller-Destination-Number': ch.destination,
      'Caller-Unique-ID': ch.uuid,
      'Caller-Source': ch.source,
      'Caller-Channel-Name': ch.name,
      'Caller-Profile-Created-Time': String(ch.createdUs),
      'Caller-Channel-Created-Time': String(ch.createdUs),
      'Caller-Channel-Answered-Time': String(ch.answeredUs),
      'Caller-Channel-Hangup-Time': String(ch.hangupUs),
    };
    const event: EventBody = {};
    for (const [key, value] of template.headers) {
      if (key === 'variable_*') {
        for (const [k, v] of ch.vars) event[`variable_${k}`] = v;
        continue;
      }
      if (key === 'Hangup-Cause') {
        if (ch.hangupCause) event[key] = ch.hangupCause;
        continue;
      }
      if (key in extra) {
        event[key] = extra[key] as string;
        continue;
      }
      // Event-specific headers of the template's own event that this event does not carry.
      if (/^(Application|DTMF-|Playback-)/.test(key)) continue;
      event[key] = stamp.get(key) ?? dynamic[key] ?? value;
    }
    if (ch.hangupCause && !('Hangup-Cause' in event) && /HANGUP|DESTROY|UNPARK/.test(name)) event['Hangup-Cause'] = ch.hangupCause;
    for (const [key, value] of Object.entries(extra)) if (!(key in event)) event[key] = value;
    return event;
  }

  /** The CHANNEL_DESTROY of a channel that never existed (bad-dialstring: `Channel-Name: N/A`). */
  stillborn(uuid: string): EventBody {
    return this.channel('CHANNEL_DESTROY', {
      uuid,
      name: 'N/A',
      leg: 'a',
      direction: 'outbound',
      state: 'CS_NONE',
      callState: 'DOWN',
      answerState: 'ringing',
      destination: '',
      callerIdNumber: '',
      source: '',
      createdUs: 0,
      answeredUs: 0,
      hangupUs: 0,
      vars: new Map(),
    });
  }

  /** BACKGROUND_JOB: the api result rides in `_body`, announced by an inner Content-Length. */
  job(jobId: string, command: string, arg: string, body: string): EventBody {
    const event: EventBody = {};
    for (const [key, value] of this.template('BACKGROUND_JOB', 'none').headers) {
      if (key === 'Event-Sequence') event[key] = String(++this.sequence);
      else if (key === 'Core-UUID') event[key] = this.coreUuid;
      else if (key === 'Job-UUID') event[key] = jobId;
      else if (key === 'Job-Command') event[key] = command;
      else if (key === 'Job-Command-Arg') event[key] = arg;
      else if (key === 'Content-Length') event[key] = String(Buffer.byteLength(body));
      else if (key === '_body') event[key] = body;
      else event[key] = new Map(this.stamp()).get(key) ?? value;
    }
    return event;
  }

  /** HEARTBEAT (not in the recordings: built from FreeSWITCH's documented fields). */
  heartbeat(sessions: number): EventBody {
    const base = this.template('BACKGROUND_JOB', 'none').headers.filter(([k]) => !/^(Job-|Content-Length|_body)/.test(k));
    const event: EventBody = {};
    for (const [key, value] of base) event[key] = key === 'Event-Name' ? 'HEARTBEAT' : key === 'Core-UUID' ? this.coreUuid : key === 'Event-Sequence' ? String(++this.sequence) : (new Map(this.stamp()).get(key) ?? value);
    event['Event-Calling-File'] = 'switch_core.c';
    event['Event-Calling-Function'] = 'send_heartbeat';
    event['Event-Info'] = 'System Ready';
    event['Session-Count'] = String(sessions);
    return event;
  }
}
