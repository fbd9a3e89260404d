import { Agent, request } from 'undici';
import { deadline, type Deadline } from './deadline';
import type { AriChannel, AriPlayback } from './wire';

/** Where and how to reach ARI over HTTP. */
export interface AriEndpoint {
  /** `http://host:port` (no trailing slash, no /ari). */
  baseUrl: string;
  user: string;
  password: string;
}

/**
 * Why a REST call did not succeed. `status` is the HTTP status (ari-client drops it: see
 * LIBRARIES.md); `timeout` means the deadline passed; `unreachable` means no HTTP answer at all.
 */
export class AriRequestError extends Error {
  constructor(
    readonly kind: 'http' | 'timeout' | 'aborted' | 'unreachable',
    message: string,
    readonly status?: number,
    /** The socket error code (`UND_ERR_SOCKET`, `ECONNREFUSED`, …) of an `unreachable` call. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AriRequestError';
  }

  /** 404 "Channel not found" / "Playback not found" (rest-errors.wire.json). */
  get notFound(): boolean {
    return this.kind === 'http' && this.status === 404;
  }
}

type Query = Record<string, string | number | undefined>;

/**
 * A thin typed ARI REST client. Every call has a deadline (`timeoutMs`, plus the caller's
 * signal): a call to an Asterisk that stopped answering settles as `timeout` instead of never
 * (the ari-client defect listed in LIBRARIES.md). Credentials travel only in the
 * Authorization header.
 */
export class AriRest {
  private readonly agent: Agent;
  private readonly auth: string;

  constructor(
    private readonly endpoint: AriEndpoint,
    private readonly defaultTimeoutMs: number,
  ) {
    this.auth = `Basic ${Buffer.from(`${endpoint.user}:${endpoint.password}`).toString('base64')}`;
    // keep-alive pool; the socket-level timeouts are backstops behind the per-call deadline
    this.agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  /** GET /ari/asterisk/info: the credentials pre-flight and reachability check. */
  info(opts: CallOpts = {}): Promise<unknown> {
    return this.call('GET', '/ari/asterisk/info', {}, opts);
  }

  /**
   * POST /ari/channels. Returns the Channel (state Down) at once; the outcome comes later as
   * events (rest-calls.md §3).
   */
  originate(params: { endpoint: string; app: string; appArgs: string; channelId: string; timeoutSec: number; callerId?: string }, opts: CallOpts = {}): Promise<AriChannel> {
    const query = {
      endpoint: params.endpoint,
      app: params.app,
      appArgs: params.appArgs,
      callerId: params.callerId,
      timeout: params.timeoutSec,
      channelId: params.channelId,
    };
    // A repeat after a stale connection that answers 409 "Channel with given unique ID already
    // exists" means the first request did reach Asterisk: the channel is ours, read it.
    const ours = (): Promise<unknown> => this.call('GET', `/ari/channels/${encodeURIComponent(params.channelId)}`, {}, opts);
    return this.call('POST', '/ari/channels', query, opts, undefined, ours) as Promise<AriChannel>;
  }

  /** `reason` (busy, rejected, …) sets the hang-up cause: an unanswered inbound call is refused with it. */
  hangup(channelId: string, opts: CallOpts & { reason?: 'busy' | 'rejected' } = {}): Promise<unknown> {
    return this.call('DELETE', `/ari/channels/${encodeURIComponent(channelId)}`, { reason: opts.reason }, opts);
  }

  /** One playback of several media in sequence (one comma-joined `media` parameter, rest-calls.md §5). */
  play(channelId: string, media: string[], playbackId: string, opts: CallOpts = {}): Promise<AriPlayback> {
    return this.call('POST', `/ari/channels/${encodeURIComponent(channelId)}/play`, { media: media.join(','), playbackId }, opts) as Promise<AriPlayback>;
  }

  stopPlayback(playbackId: string, opts: CallOpts = {}): Promise<unknown> {
    return this.call('DELETE', `/ari/playbacks/${encodeURIComponent(playbackId)}`, {}, opts);
  }

  /** POST /ari/channels/{id}/variable: sets a channel variable. */
  setVariable(channelId: string, variable: string, value: string, opts: CallOpts = {}): Promise<unknown> {
    return this.call('POST', `/ari/channels/${encodeURIComponent(channelId)}/variable`, { variable, value }, opts);
  }

  /** GET /ari/channels/{id}/variable: `{value}`; 404 when the variable is not set. */
  getVariable(channelId: string, variable: string, opts: CallOpts = {}): Promise<{ value: string }> {
    return this.call('GET', `/ari/channels/${encodeURIComponent(channelId)}/variable`, { variable }, opts) as Promise<{ value: string }>;
  }

  /** POST /ari/channels/{id}/continue: the channel leaves Stasis (StasisEnd) for the dialplan. */
  continueInDialplan(channelId: string, to: { context: string; extension: string; priority: number }, opts: CallOpts = {}): Promise<unknown> {
    return this.call('POST', `/ari/channels/${encodeURIComponent(channelId)}/continue`, { context: to.context, extension: to.extension, priority: to.priority }, opts);
  }

  listChannels(opts: CallOpts = {}): Promise<AriChannel[]> {
    return this.call('GET', '/ari/channels', {}, opts) as Promise<AriChannel[]>;
  }

  /**
   * PUT /ari/endpoints/sendMessage (SIP MESSAGE); real Asterisk answers 202. The parameters go
   * in a JSON body, which Asterisk reads like the query (`…_send_message_parse_body`): in the
   * query a long non-ASCII body passes Asterisk's 4096-byte request line and is refused with
   * 400 "Request line too long" (main/http.c).
   */
  sendMessage(params: { to: string; from: string; body: string }, opts: CallOpts = {}): Promise<unknown> {
    return this.call('PUT', '/ari/endpoints/sendMessage', {}, opts, params);
  }

  /**
   * One request, repeated once when the pooled keep-alive connection it went out on turned out to
   * be closed before any answer came (Asterisk closes a connection idle for `session_keep_alive`,
   * 15 s by default, main/http.c; a request sent in that instant fails with UND_ERR_SOCKET or
   * ECONNRESET). Every ARI call the engine makes is safe to repeat: reads and DELETEs are
   * idempotent, and the POSTs carry ids we chose (a repeated originate that finds its channelId
   * taken answers 409, handled by `onRepeatConflict`). Never repeated after the deadline or abort.
   */
  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    query: Query,
    opts: CallOpts,
    json?: Record<string, unknown>,
    onRepeatConflict?: () => Promise<unknown>,
  ): Promise<unknown> {
    const qs = Object.entries(query)
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = `${this.endpoint.baseUrl}${path}${qs ? `?${qs}` : ''}`;
    const limit = deadline(opts.timeoutMs ?? this.defaultTimeoutMs, opts.signal);
    const body = json === undefined ? undefined : JSON.stringify(json);
    try {
      try {
        return await this.send(method, path, url, limit, body);
      } catch (err) {
        if (!(err instanceof AriRequestError) || !isStaleConnection(err) || limit.signal.aborted) throw err;
        try {
          return await this.send(method, path, url, limit, body);
        } catch (again) {
          if (onRepeatConflict && again instanceof AriRequestError && again.kind === 'http' && again.status === 409) return await onRepeatConflict();
          throw again;
        }
      }
    } finally {
      limit.done();
    }
  }

  private async send(method: string, path: string, url: string, limit: Deadline, body?: string): Promise<unknown> {
    const signal = limit.signal;
    const entity =
      body !== undefined
        ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
        : method === 'GET' || method === 'DELETE'
          ? {}
          : { 'content-length': '0' };
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: method as 'GET',
        headers: { authorization: this.auth, accept: 'application/json', ...entity },
        ...(body !== undefined ? { body } : {}),
        dispatcher: this.agent,
        signal,
      });
    } catch (err) {
      throw this.failure(err, limit, method, path);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.failure(err, limit, method, path);
    }
    if (res.statusCode >= 400) {
      throw new AriRequestError('http', `${method} ${path}: HTTP ${res.statusCode} ${errorText(text)}`, res.statusCode);
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AriRequestError('http', `${method} ${path}: HTTP ${res.statusCode} with a body that is not JSON`, res.statusCode);
    }
  }

  private failure(err: unknown, limit: Deadline, method: string, path: string): AriRequestError {
    if (limit.signal.aborted && !limit.expired) return new AriRequestError('aborted', `${method} ${path}: aborted`);
    if (limit.expired) return new AriRequestError('timeout', `${method} ${path}: no answer within the deadline`);
    const code = (err as { code?: string }).code;
    return new AriRequestError('unreachable', `${method} ${path}: ${code ?? (err as Error).message}`, undefined, code);
  }
}

/** Socket errors of a connection closed under a request (not a refused connection: that repeats nothing). */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

function isStaleConnection(err: AriRequestError): boolean {
  return err.kind === 'unreachable' && err.code !== undefined && STALE_CONNECTION.has(err.code);
}

export interface CallOpts {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** ARI error bodies are `{"message": …}` or, for an originate allocation failure, `{"error": …}`. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const text = parsed.message ?? parsed.error;
    if (typeof text === 'string') return text;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200);
}
