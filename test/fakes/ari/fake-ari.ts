import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { CallEngine } from './call-engine';
import { playbackJson } from './snapshots';
import { apiDeclaration, resourceListing } from './swagger';

import { MAX_HTTP_LINE_LENGTH, readBody, type FakeAriOptions, type ReplayScript, type SentMessage } from './fake-ari-types';
export type { FakeAriOptions, ReplayScript, SentMessage } from './fake-ari-types';

/**
 * A wire-level fake Asterisk ARI: a real HTTP server with the REST paths the driver and
 * ari-client use (plus a minimal swagger listing), and the `/ari/events` WebSocket, following
 * test/fixtures/ari/wire. Faults for tests: wrong credentials, stalled routes, cut
 * sockets, the whole PBX going away and coming back on the same port.
 */
export class FakeAri {
  readonly engine: CallEngine;
  readonly messages: SentMessage[] = [];
  /** Every REST request as `METHOD /path` (query left out). */
  readonly requests: string[] = [];
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  /** Same, but never answering pings: a half-dead peer. */
  private readonly mute = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false });
  /** Event socket upgrades answered so far. */
  upgrades = 0;
  /** Refuse event socket upgrades (HTTP 503) while true. */
  refuseEvents = false;
  /** Stop answering WebSocket pings on new event sockets. */
  answerPings = true;
  private readonly sockets = new Set<Socket>();
  private readonly apps = new Map<string, WebSocket>();
  private readonly stalls: RegExp[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly replayQueue: ReplayScript[] = [];
  /** Every originate's endpoint (dial string) and caller ID, in order. */
  readonly originated: Array<{ endpoint: string; callerId: string | null }> = [];
  private readonly replaying = new Set<string>();
  /** Inbound channels waiting to be refused, by id → how the DELETE refused them. */
  private readonly inbound = new Map<string, (reason: string) => void>();
  private inboundSeq = 0;
  private readonly replayVariables = new Map<string, Record<string, string>>();
  private user: string;
  private password: string;
  private readonly messageEndpoints: Set<string>;
  port = 0;
  timeScale: number;

  constructor(opts: FakeAriOptions = {}) {
    this.user = opts.user ?? 'pbxverify';
    this.password = opts.password ?? 'secret';
    this.timeScale = opts.timeScale ?? 1;
    this.messageEndpoints = new Set(opts.messageEndpoints ?? ['qa', 'uas']);
    const promptMs = opts.promptMs ?? 400;
    this.engine = new CallEngine(
      (app, ev) => this.send(app, ev),
      () => this.timeScale,
      (uri) => {
        const silence = /^sound:pbxverify\/silence\/(\d+)$/.exec(uri);
        return silence ? Number(silence[1]) : promptMs;
      },
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `ari://user:pass@127.0.0.1:port/app` for the driver. */
  ariUrl(app = 'pbxverify', user = this.user, password = this.password): string {
    return `ari://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${app}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
  }

  /** The PBX goes away: every connection cut, the port closed. `restart` also drops all channels. */
  async down(opts: { restart?: boolean } = {}): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    for (const ws of this.apps.values()) ws.terminate();
    this.apps.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (opts.restart) this.engine.reset();
  }

  /** The PBX is back on the same port. */
  async up(): Promise<void> {
    await this.start(this.port);
  }

  async stop(): Promise<void> {
    this.engine.reset();
    await this.down();
    this.wss.close();
    this.mute.close();
  }

  /** The next originate answers and emits a recording's events instead of running a callee. */
  /**
   * A call to a DID entering Stasis through `[pbxverify-inbound]`, shaped like the recorded
   * inbound StasisStart (cases/pjsip-inbound-sipp-uac.json: state Ring, caller from the From user).
   * Resolves with the reason of the DELETE that refused it (`busy`, `rejected`, `none`), or
   * undefined when nothing refused it within `waitMs`.
   */
  placeInbound(call: { app: string; exten: string; caller: string; pres?: string; identity?: string; pai?: string }, waitMs = 5_000): Promise<string | undefined> {
    const id = `${Math.floor(Date.now() / 1000)}.${++this.inboundSeq}`;
    const channel = {
      id,
      name: `PJSIP/sipp-${String(this.inboundSeq).padStart(8, '0')}`,
      state: 'Ring',
      protocol_id: `${this.inboundSeq}-30852@127.0.0.1`,
      caller: { name: '', number: call.caller },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: 'pbxverify-inbound', exten: call.exten, priority: 2, app_name: 'Stasis', app_data: `${call.app},inbound,${call.exten}` },
      creationtime: new Date().toISOString().replace('Z', '+0000'),
      language: 'en',
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.inbound.delete(id);
        resolve(undefined);
      }, waitMs);
      this.inbound.set(id, (reason) => {
        clearTimeout(timer);
        this.inbound.delete(id);
        const cause = reason === 'busy' ? 17 : reason === 'rejected' ? 21 : 16;
        setImmediate(() => {
          this.send(call.app, { type: 'ChannelHangupRequest', timestamp: new Date().toISOString(), channel, cause, application: call.app });
          this.send(call.app, { type: 'StasisEnd', timestamp: new Date().toISOString(), channel, application: call.app });
          this.send(call.app, { type: 'ChannelDestroyed', timestamp: new Date().toISOString(), channel, cause, cause_txt: reason, application: call.app });
        });
        resolve(reason);
      });
      this.send(call.app, {
        type: 'StasisStart',
        timestamp: new Date().toISOString(),
        args: ['inbound', call.exten, call.pres ?? 'allowed_not_screened', call.identity ?? '', call.pai ?? ''],
        channel,
        asterisk_id: '02:fc:00:00:00:01',
        application: call.app,
      });
    });
  }

  /** The next originate replays `script` (several calls queue up, one script per originate). */
  replayNext(script: ReplayScript): void {
    this.replayQueue.push(script);
  }

  setCredentials(user: string, password: string): void {
    this.user = user;
    this.password = password;
  }

  /** Requests whose `METHOD /path` matches are never answered (until down()/stop()). */
  stall(pattern: RegExp): void {
    this.stalls.push(pattern);
  }

  unstall(): void {
    this.stalls.length = 0;
  }

  /** Cuts the event socket(s) without a close frame, as a network failure would. */
  cutEventSockets(): void {
    for (const ws of this.apps.values()) ws.terminate();
    this.apps.clear();
  }

  connectedApps(): string[] {
    return [...this.apps.keys()];
  }

  private send(app: string, ev: Record<string, unknown>): void {
    const ws = this.apps.get(app);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(ev));
  }

  private replay(script: ReplayScript, channelId: string, app: string, reply: (status: number, body?: unknown) => void): void {
    const rewrite = (value: unknown): Record<string, unknown> => {
      const text = JSON.stringify(value).replaceAll(script.recordedId, channelId).replaceAll(`"application":"${script.recordedApp}"`, `"application":"${app}"`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    reply(script.status, script.body === undefined ? undefined : rewrite(script.body));
    if (script.status >= 300) return;
    this.replaying.add(channelId);
    if (script.variables) this.replayVariables.set(channelId, script.variables);
    const t0 = script.events[0]?.t ?? 0;
    let last = 0;
    for (const { t, raw } of script.events) {
      const at = Math.max(last, (t - t0) * script.timeScale);
      last = at;
      setTimeout(() => this.send(app, rewrite(raw)), at);
    }
    setTimeout(() => this.replaying.delete(channelId), last + 1000);
  }

  private authorized(req: IncomingMessage, query: URLSearchParams): boolean {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      return Buffer.from(header.slice(6), 'base64').toString('utf8') === `${this.user}:${this.password}`;
    }
    // ari-client sends credentials only as api_key=user:pass (rest-calls.md §2)
    const key = query.get('api_key');
    return key !== null && key === `${this.user}:${this.password}`;
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const app = url.searchParams.get('app');
    if (url.pathname !== '/ari/events' || !app) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.authorized(req, url.searchParams)) {
      const body = '{"message":"Authentication required"}';
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    if (this.refuseEvents) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.upgrades++;
    (this.answerPings ? this.wss : this.mute).handleUpgrade(req, socket, head, (ws) => {
      const previous = this.apps.get(app);
      if (previous) {
        // a second connection with the same app name takes the events over
        previous.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: new Date().toISOString(), application: app }));
      }
      this.apps.set(app, ws);
      ws.on('close', () => {
        if (this.apps.get(app) === ws) this.apps.delete(app);
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    this.requests.push(`${method} ${path}`);
    // a JSON entity is read (sendMessage takes its parameters there too); anything else is drained
    const json = /^application\/json/i.test(req.headers['content-type'] ?? '');
    const entity = json ? readBody(req) : (req.resume(), Promise.resolve(''));
    if (this.stalls.some((re) => re.test(`${method} ${path}`))) {
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      return;
    }
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        Server: 'Asterisk/22.10.1',
        'Cache-Control': 'no-cache, no-store',
        ...(body === undefined ? {} : { 'Content-type': 'application/json' }),
        'Content-Length': String(Buffer.byteLength(text)),
        ...headers,
      });
      res.end(text);
    };
    if (!this.authorized(req, url.searchParams)) return reply(401, { message: 'Authentication required' });
    // main/http.c reads the request line into 4096 bytes and refuses a longer one
    if (`${method} ${req.url ?? '/'} HTTP/1.1\r\n`.length >= MAX_HTTP_LINE_LENGTH) return reply(400, { message: 'Request line too long' });
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    const q = url.searchParams;

    if (method === 'GET' && path === '/ari/api-docs/resources.json') return reply(200, resourceListing(host));
    const doc = /^\/ari\/api-docs\/([a-zA-Z]+)\.json$/.exec(path);
    if (method === 'GET' && doc) {
      const decl = apiDeclaration(doc[1] as string, host);
      return decl ? reply(200, decl) : reply(404, { message: 'Not found' });
    }
    if (method === 'GET' && path === '/ari/asterisk/info') return reply(200, { system: { version: '22.10.1', entity_id: '02:fc:00:00:00:01' } });
    if (path === '/ari/channels') {
      if (method === 'GET') return reply(200, this.engine.list());
      if (method === 'POST') {
        const endpoint = q.get('endpoint');
        const app = q.get('app');
        if (!endpoint) return reply(400, { message: 'Endpoint must be specified' });
        if (!app) return reply(400, { message: 'Application or extension must be specified' });
        this.originated.push({ endpoint, callerId: q.get('callerId') });
        const script = this.replayQueue.shift();
        if (script) return this.replay(script, q.get('channelId') ?? 'replayed', app, reply);
        const timeout = Number(q.get('timeout') ?? '30');
        const out = this.engine.originate({
          endpoint,
          app,
          timeoutSec: Number.isFinite(timeout) && timeout > 0 ? timeout : 30,
          ...(q.get('callerId') ? { callerId: q.get('callerId') as string } : {}),
          ...(q.get('channelId') ? { channelId: q.get('channelId') as string } : {}),
        });
        return reply(out.status, out.body);
      }
    }
    const chan = /^\/ari\/channels\/([^/]+)(\/answer|\/play|\/variable|\/continue)?$/.exec(path);
    if (chan) {
      const id = decodeURIComponent(chan[1] as string);
      const refuse = this.inbound.get(id);
      if (refuse && method === 'DELETE' && !chan[2]) {
        reply(204);
        refuse(q.get('reason') ?? 'none');
        return;
      }
      const variable = q.get('variable') ?? '';
      if (this.replaying.has(id) && chan[2] === '/variable' && method === 'GET') {
        const value = this.replayVariables.get(id)?.[variable];
        return value === undefined ? reply(404, { message: 'Provided variable was not found' }) : reply(200, { value });
      }
      if (this.replaying.has(id) && chan[2] === '/continue') return reply(204);
      if (this.replaying.has(id)) return method === 'POST' && chan[2] === '/play' ? reply(201, { id: q.get('playbackId'), state: 'queued' }) : reply(method === 'GET' ? 200 : 204, method === 'GET' ? { id, state: 'Up' } : undefined);
      const live = this.engine.get(id);
      if (!live) return reply(404, { message: 'Channel not found' });
      if (method === 'GET' && !chan[2]) return reply(200, this.engine.list().find((c) => (c as { id: string }).id === id));
      if (method === 'DELETE' && !chan[2]) {
        // the 204 goes out before the events the hang-up causes (rest-calls.md §2)
        reply(204);
        setImmediate(() => this.engine.hangup(id));
        return;
      }
      if (method === 'POST' && chan[2] === '/answer') return reply(204);
      if (chan[2] === '/variable') {
        if (!variable) return reply(400, { message: 'Variable name is required' });
        if (method === 'POST') {
          live.vars.set(variable, q.get('value') ?? '');
          return reply(204);
        }
        const value = live.vars.get(variable);
        return value === undefined ? reply(404, { message: 'Provided variable was not found' }) : reply(200, { value });
      }
      if (method === 'POST' && chan[2] === '/continue') {
        const out = this.engine.continueTo(id, q.get('context') ?? '', q.get('extension') ?? '');
        return reply(out.status, out.body);
      }
      if (method === 'POST' && chan[2] === '/play') {
        const media = (q.get('media') ?? '').split(',').filter(Boolean);
        if (media.length === 0) return reply(400, { message: 'media: required' });
        const pb = this.engine.play(id, media, q.get('playbackId') ?? `pb-${Date.now()}`);
        if (!pb) return reply(404, { message: 'Channel not found' });
        return reply(201, playbackJson(pb), { Location: `/ari/playbacks/${pb.id}` });
      }
    }
    const playback = /^\/ari\/playbacks\/([^/]+)$/.exec(path);
    if (playback && method === 'DELETE') {
      return this.engine.stopPlayback(decodeURIComponent(playback[1] as string)) ? reply(204) : reply(404, { message: 'Playback not found' });
    }
    if (method === 'PUT' && path === '/ari/endpoints/sendMessage') {
      void entity.then((text) => this.sendMessage(q, text, reply));
      return;
    }
    return reply(404, { message: 'Not found' });
  }

  /**
   * endpoints/sendMessage as Asterisk 22 answers it: parameters from the query or a JSON body
   * (res_ari_endpoints.c `…_send_message_parse_body`), each a C string, so cut at the first NUL,
   * and 202 once the message is queued.
   */
  private sendMessage(q: URLSearchParams, entity: string, reply: (status: number, body?: unknown) => void): void {
    let body: Record<string, unknown> = {};
    try {
      body = entity === '' ? {} : (JSON.parse(entity) as Record<string, unknown>);
    } catch {
      return reply(400, { message: 'Error parsing request body' });
    }
    const param = (name: string): string | undefined => {
      const value = typeof body[name] === 'string' ? (body[name]) : (q.get(name) ?? undefined);
      return value === undefined ? undefined : (value.split('\0')[0]);
    };
    const to = param('to');
    const from = param('from');
    if (!to || !from) return reply(400, { message: 'to and from are required' });
    // unknown technology or endpoint: 404 "Endpoint not found" (seen on Asterisk 22.10.1)
    const endpoint = /^pjsip:([^/@]+)/.exec(to)?.[1];
    if (endpoint === undefined || !this.messageEndpoints.has(endpoint)) return reply(404, { message: 'Endpoint not found' });
    this.messages.push({ to, from, body: param('body') ?? '' });
    return reply(202);
  }
}
