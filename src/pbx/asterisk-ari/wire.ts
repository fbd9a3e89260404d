/**
 * The ARI wire shapes this driver reads, as Asterisk 22 sends them (see
 * test/fixtures/ari/wire/rest-calls.md §8). Only the fields we use are typed;
 * `tech_cause` is missing from @types/ari-client but present on PJSIP hang-ups
 * (test/fixtures/ari/cases/pjsip-sipp-busy.json).
 */

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller?: { name: string; number: string };
  creationtime?: string;
  language?: string;
}

export interface AriPlayback {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language?: string;
  state: string;
}

interface Base {
  timestamp?: string;
  application?: string;
  asterisk_id?: string;
}

export type AriEvent =
  | (Base & { type: 'StasisStart'; channel: AriChannel; args?: string[] })
  | (Base & { type: 'StasisEnd'; channel: AriChannel })
  | (Base & { type: 'Dial'; dialstatus: string; peer: AriChannel; dialstring?: string })
  | (Base & { type: 'ChannelStateChange'; channel: AriChannel })
  | (Base & { type: 'ChannelHangupRequest'; channel: AriChannel; cause?: number; soft?: boolean; tech_cause?: number })
  | (Base & { type: 'ChannelDestroyed'; channel: AriChannel; cause: number; cause_txt: string; tech_cause?: number })
  | (Base & { type: 'ChannelDtmfReceived'; channel: AriChannel; digit: string; duration_ms?: number })
  | (Base & { type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished'; playback: AriPlayback })
  | (Base & { type: 'ApplicationReplaced' })
  | (Base & { type: 'Other'; raw: Record<string, unknown> });

const KNOWN = new Set([
  'StasisStart',
  'StasisEnd',
  'Dial',
  'ChannelStateChange',
  'ChannelHangupRequest',
  'ChannelDestroyed',
  'ChannelDtmfReceived',
  'PlaybackStarted',
  'PlaybackContinuing',
  'PlaybackFinished',
  'ApplicationReplaced',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isChannel = (v: unknown): v is AriChannel => isObject(v) && typeof v.id === 'string' && typeof v.state === 'string';

/**
 * Parses one WebSocket text frame. Unknown or malformed events come back as `Other` (or
 * `undefined` for non-JSON) instead of throwing: a newer Asterisk may send event types this
 * driver has never heard of (ari-client crashes the process on those).
 */
export function parseEvent(text: string): AriEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || typeof raw.type !== 'string') return undefined;
  if (!KNOWN.has(raw.type)) return { type: 'Other', raw };
  const ev = raw as Record<string, unknown> & { type: string };
  switch (ev.type) {
    case 'Dial':
      return isChannel(ev.peer) && typeof ev.dialstatus === 'string' ? (ev as unknown as AriEvent) : { type: 'Other', raw };
    case 'PlaybackStarted':
    case 'PlaybackContinuing':
    case 'PlaybackFinished':
      return isObject(ev.playback) && typeof ev.playback.id === 'string' ? (ev as unknown as AriEvent) : { type: 'Other', raw };
    case 'ApplicationReplaced':
      return ev as unknown as AriEvent;
    case 'ChannelDtmfReceived':
      return isChannel(ev.channel) && typeof ev.digit === 'string' ? (ev as unknown as AriEvent) : { type: 'Other', raw };
    default:
      return isChannel(ev.channel) ? (ev as unknown as AriEvent) : { type: 'Other', raw };
  }
}

/** The channel an event is about (Dial: the originated peer), if any. */
export function channelOf(ev: AriEvent): AriChannel | undefined {
  if (ev.type === 'Dial') return ev.peer;
  if ('channel' in ev) return ev.channel;
  return undefined;
}

/** `channel:<id>` → `<id>` for playback events. */
export function playbackChannelId(pb: AriPlayback): string | undefined {
  return pb.target_uri.startsWith('channel:') ? pb.target_uri.slice('channel:'.length) : undefined;
}
