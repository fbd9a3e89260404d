import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffMs, sleep } from '../../lib/abort';
import { AriRequestError, type AriEndpoint, type AriRest } from './ari-rest';
import { parseEvent, type AriEvent } from './wire';

export interface ConnectionOptions {
  endpoint: AriEndpoint;
  /** The Stasis application name (unique per engine instance). */
  app: string;
  rest: AriRest;
  logger: Logger;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Client ping period; a missing pong by the next ping drops the socket (Asterisk never pings: ws-idle-65s). */
  pingIntervalMs: number;
  /** How long start() keeps retrying an unreachable ARI before it rejects. */
  startTimeoutMs: number;
}

/** A start-up problem an operator must fix (credentials, ARI not enabled, nothing listening). */
export class AriStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AriStartError';
  }
}

type State =
  | { name: 'idle' }
  | { name: 'connecting'; attempt: number }
  | { name: 'connected'; since: number }
  | { name: 'reconnecting'; attempt: number; since: number; lastError: string }
  | { name: 'stopped' };

export interface ConnectionEvents {
  event: (ev: AriEvent) => void;
  /** The event socket is open; `reconnected` after a loss. */
  up: (info: { reconnected: boolean }) => void;
  /** The event socket was lost; the loop is reconnecting. */
  down: (reason: string) => void;
}

/**
 * The ARI event WebSocket and its lifecycle: credentials pre-flight, our own unlimited
 * capped-backoff reconnect loop (ari-client gives up after ~10 tries), client pings as a
 * keep-alive, and credentials in the Authorization header of the upgrade instead of the
 * `api_key` query parameter. Never throws after start(): every failure becomes a state.
 */
export class AriConnection extends EventEmitter {
  private state: State = { name: 'idle' };
  private ws: WebSocket | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ConnectionOptions) {
    super();
  }

  override on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): this {
    return super.on(event, listener);
  }

  /** `connected`, `reconnecting (attempt 4, 12 s): ECONNREFUSED`, … for /readyz. */
  describe(): { ready: boolean; detail: string; downSince?: number } {
    const s = this.state;
    switch (s.name) {
      case 'connected':
        return { ready: true, detail: `connected (app ${this.opts.app})` };
      case 'reconnecting':
        return { ready: false, detail: `reconnecting (attempt ${s.attempt}): ${s.lastError}`, downSince: s.since };
      case 'connecting':
        return { ready: false, detail: `connecting (attempt ${s.attempt})` };
      default:
        return { ready: false, detail: s.name };
    }
  }

  /**
   * Checks credentials and opens the event socket. Rejects with an {@link AriStartError} at once
   * for wrong credentials or a missing ARI, and after `startTimeoutMs` when nothing answers.
   */
  async start(): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      this.state = { name: 'connecting', attempt };
      try {
        await this.preflight();
        await this.open();
        break;
      } catch (err) {
        if (err instanceof AriStartError) {
          this.state = { name: 'idle' };
          throw err;
        }
        const message = (err as Error).message;
        if (Date.now() - started >= this.opts.startTimeoutMs || this.stopping.signal.aborted) {
          this.state = { name: 'idle' };
          throw new AriStartError(`cannot reach ARI at ${this.opts.endpoint.baseUrl} (${message}); is Asterisk running with res_ari and http.conf enabled?`);
        }
        this.opts.logger.warn({ attempt, err: message }, 'ari not reachable yet, retrying');
        await sleep(backoffMs(attempt, this.opts.reconnectBaseMs, this.opts.reconnectMaxMs), this.stopping.signal);
      }
    }
    this.state = { name: 'connected', since: Date.now() };
    this.emit('up', { reconnected: false });
  }

  async stop(): Promise<void> {
    this.state = { name: 'stopped' };
    this.stopping.abort();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      // a dead peer never answers the close: do not wait for ws's own 30 s close timeout
      const waited = await Promise.race([closed.then(() => true), sleep(1000).then(() => false)]);
      if (!waited) ws.terminate();
    }
    await this.loop;
  }

  /** A plain authenticated GET first, so a bad password is a clear error, never a crash. */
  private async preflight(): Promise<void> {
    try {
      await this.opts.rest.info({ signal: this.stopping.signal });
    } catch (err) {
      if (err instanceof AriRequestError && err.kind === 'http') {
        const user = this.opts.endpoint.user;
        if (err.status === 401 || err.status === 403) {
          throw new AriStartError(`ARI at ${this.opts.endpoint.baseUrl} rejected user "${user}" (HTTP ${err.status}): check the user and password in ari.conf and PBXVERIFY_PBX`);
        }
        if (err.status === 404) {
          throw new AriStartError(`no ARI at ${this.opts.endpoint.baseUrl} (HTTP 404 for /ari/asterisk/info): load res_ari and enable it in ari.conf`);
        }
      }
      throw err;
    }
  }

  /** Opens the event socket; resolves once open, rejects if it fails to open. */
  private open(): Promise<void> {
    const { baseUrl, user, password } = this.opts.endpoint;
    const url = `${baseUrl.replace(/^http/, 'ws')}/ari/events?app=${encodeURIComponent(this.opts.app)}`;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
        perMessageDeflate: false,
        handshakeTimeout: 10_000,
      });
      let opened = false;
      ws.once('open', () => {
        opened = true;
        this.ws = ws;
        this.keepAlive(ws);
        resolve();
      });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        if (status === 401 || status === 403) reject(new AriStartError(`ARI event socket rejected user "${user}" (HTTP ${status})`));
        else reject(new Error(`event socket upgrade answered HTTP ${status}`));
      });
      ws.on('error', (err) => {
        if (!opened) reject(err);
        else this.opts.logger.debug({ err: err.message }, 'ari socket error');
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
        const ev = parseEvent(text);
        if (!ev) {
          this.opts.logger.warn('ari sent a frame that is not a JSON event; ignored');
          return;
        }
        this.opts.logger.trace({ type: ev.type }, 'ari event');
        this.emit('event', ev);
      });
      ws.once('close', (code) => {
        if (!opened) return reject(new Error(`event socket closed before opening (${code})`));
        if (this.ws === ws) this.ws = undefined;
        if (this.state.name === 'stopped') return;
        this.lost(`socket closed (${code})`);
      });
    });
  }

  private keepAlive(ws: WebSocket): void {
    let awaitingPong = false;
    const timer = setInterval(() => {
      if (awaitingPong) {
        this.opts.logger.warn('ari socket missed a pong; dropping it');
        ws.terminate();
        return;
      }
      awaitingPong = true;
      ws.ping();
    }, this.opts.pingIntervalMs);
    timer.unref();
    ws.on('pong', () => (awaitingPong = false));
    ws.once('close', () => clearInterval(timer));
  }

  /** Forces the socket down (tests: "WebSocket cut"; keep-alive failures). */
  drop(): void {
    this.ws?.terminate();
  }

  private lost(reason: string): void {
    const since = Date.now();
    this.state = { name: 'reconnecting', attempt: 0, since, lastError: reason };
    this.opts.logger.warn({ reason }, 'ari event socket lost; reconnecting');
    this.emit('down', reason);
    this.loop = this.reconnect(since);
  }

  /** Unlimited attempts with capped, jittered backoff. */
  private async reconnect(since: number): Promise<void> {
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      await sleep(backoffMs(attempt, this.opts.reconnectBaseMs, this.opts.reconnectMaxMs), this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        await this.preflight();
        await this.open();
        this.state = { name: 'connected', since: Date.now() };
        this.opts.logger.info({ attempt, downMs: Date.now() - since }, 'ari reconnected');
        this.emit('up', { reconnected: true });
        return;
      } catch (err) {
        const lastError = (err as Error).message;
        this.state = { name: 'reconnecting', attempt, since, lastError };
        // a changed password is an operator problem, but still only a state: keep trying
        const level = err instanceof AriStartError ? 'error' : 'debug';
        this.opts.logger[level]({ attempt, err: lastError }, 'ari reconnect failed');
      }
    }
  }
}
