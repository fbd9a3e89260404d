/**
 * A minimal Swagger 1.1 resource listing and API declarations of our own (not Asterisk's
 * files), covering the operations and event models ari-client needs for the calls the bench
 * and the driver make. ari-client builds `client.channels.originate()` etc. from these, and
 * promotes event properties whose model type is Channel/Playback into objects.
 * Asterisk rewrites every `basePath` to `http://<Host header>/ari` (rest-calls.md §1): so do we.
 */

type Param = [name: string, paramType: 'path' | 'query', required?: boolean];
type Op = [method: string, nickname: string, responseClass: string, params: Param[]];

const RESOURCES: Record<string, Record<string, Op[]>> = {
  asterisk: { '/asterisk/info': [['GET', 'getInfo', 'AsteriskInfo', []]] },
  channels: {
    '/channels': [
      ['GET', 'list', 'List[Channel]', []],
      ['POST', 'originate', 'Channel', [['endpoint', 'query', true], ['app', 'query'], ['appArgs', 'query'], ['callerId', 'query'], ['timeout', 'query'], ['channelId', 'query']]],
    ],
    '/channels/{channelId}': [
      ['GET', 'get', 'Channel', [['channelId', 'path', true]]],
      ['DELETE', 'hangup', 'void', [['channelId', 'path', true], ['reason', 'query']]],
    ],
    '/channels/{channelId}/answer': [['POST', 'answer', 'void', [['channelId', 'path', true]]]],
    '/channels/{channelId}/play': [['POST', 'play', 'Playback', [['channelId', 'path', true], ['media', 'query', true], ['playbackId', 'query']]]],
    '/channels/{channelId}/play/{playbackId}': [['POST', 'playWithId', 'Playback', [['channelId', 'path', true], ['playbackId', 'path', true], ['media', 'query', true]]]],
  },
  playbacks: {
    '/playbacks/{playbackId}': [
      ['GET', 'get', 'Playback', [['playbackId', 'path', true]]],
      ['DELETE', 'stop', 'void', [['playbackId', 'path', true]]],
    ],
  },
  endpoints: {
    '/endpoints/sendMessage': [['PUT', 'sendMessage', 'void', [['to', 'query', true], ['from', 'query', true], ['body', 'query']]]],
  },
  events: {},
};

const CHANNEL_EVENTS = ['StasisStart', 'StasisEnd', 'ChannelStateChange', 'ChannelHangupRequest', 'ChannelDestroyed', 'ChannelDtmfReceived', 'ChannelVarset', 'ChannelCallerId', 'ChannelConnectedLine', 'ChannelDialplan'];
const PLAYBACK_EVENTS = ['PlaybackStarted', 'PlaybackContinuing', 'PlaybackFinished'];

function models(resource: string): Record<string, unknown> {
  const scalar = { type: 'string' };
  const base = {
    Channel: { id: 'Channel', properties: { id: scalar, name: scalar, state: scalar } },
    Playback: { id: 'Playback', properties: { id: scalar, media_uri: scalar, target_uri: scalar, state: scalar } },
    AsteriskInfo: { id: 'AsteriskInfo', properties: {} },
  };
  if (resource !== 'events') return base;
  const events: Record<string, unknown> = { ...base };
  for (const name of CHANNEL_EVENTS) events[name] = { id: name, properties: { type: scalar, channel: { type: 'Channel' } } };
  for (const name of PLAYBACK_EVENTS) events[name] = { id: name, properties: { type: scalar, playback: { type: 'Playback' } } };
  events.Dial = { id: 'Dial', properties: { type: scalar, dialstatus: scalar, peer: { type: 'Channel' } } };
  events.ApplicationReplaced = { id: 'ApplicationReplaced', properties: { type: scalar } };
  return events;
}

export function resourceListing(host: string): unknown {
  return {
    apiVersion: '10.0.0',
    swaggerVersion: '1.1',
    basePath: `http://${host}/ari`,
    apis: Object.keys(RESOURCES).map((name) => ({ path: `/api-docs/${name}.{format}`, description: `${name} (pbxverify fake)` })),
  };
}

export function apiDeclaration(resource: string, host: string): unknown {
  const paths = RESOURCES[resource];
  if (!paths) return undefined;
  return {
    apiVersion: '10.0.0',
    swaggerVersion: '1.1',
    basePath: `http://${host}/ari`,
    resourcePath: `/api-docs/${resource}.{format}`,
    apis: Object.entries(paths).map(([path, ops]) => ({
      path,
      operations: ops.map(([httpMethod, nickname, responseClass, params]) => ({
        httpMethod,
        nickname,
        responseClass,
        parameters: params.map(([name, paramType, required]) => ({ name, paramType, required: required === true, allowMultiple: false, dataType: 'string' })),
      })),
    })),
    models: models(resource),
  };
}
