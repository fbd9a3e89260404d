/**
 * ARI JSON shapes as Asterisk 22.10.1 sends them (field order included), after
 * test/fixtures/ari/cases/*.json and wire/rest-calls.md.
 */
export const ASTERISK_ID = '02:fc:00:00:00:01';

export interface FakeChannel {
  id: string;
  name: string;
  state: 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
  callerNumber: string;
  callerName: string;
  exten: string;
  context: string;
  appName: string;
  appData: string;
  created: string;
}

export function ariTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function channelJson(ch: FakeChannel): Record<string, unknown> {
  return {
    id: ch.id,
    name: ch.name,
    state: ch.state,
    protocol_id: '',
    caller: { name: ch.callerName, number: ch.callerNumber },
    connected: { name: ch.callerName, number: ch.callerNumber },
    accountcode: '',
    dialplan: { context: ch.context, exten: ch.exten, priority: 1, app_name: ch.appName, app_data: ch.appData },
    creationtime: ch.created,
    language: 'en',
  };
}

export interface FakePlayback {
  id: string;
  media: string[];
  index: number;
  channelId: string;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
}

export function playbackJson(pb: FakePlayback): Record<string, unknown> {
  const next = pb.media[pb.index + 1];
  return {
    id: pb.id,
    media_uri: pb.media[pb.index],
    ...(next !== undefined ? { next_media_uri: next } : {}),
    target_uri: `channel:${pb.channelId}`,
    language: 'en',
    state: pb.state,
  };
}

/** Builds an event with the recordings' key order: `type, timestamp, <fields>, asterisk_id, application`. */
export function event(type: string, app: string, fields: Record<string, unknown>, leading: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...leading, type, timestamp: ariTime(), ...fields, asterisk_id: ASTERISK_ID, application: app };
}
