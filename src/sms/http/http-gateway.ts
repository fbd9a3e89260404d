import type { Logger } from 'pino';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DownWindow } from '../down-window';
import type { DlrCallback, HttpReceiptGateway, SmsGatewayHealth, SmsReceipt, SmsSubmit, SubmitOptions, SubmitResult } from '../port';

export interface HttpGatewaySettings {
  name: string;
  request: { method: 'POST' | 'PUT' | 'GET'; url: string; headers: Record<string, string>; bodyFormat: 'json' | 'form'; body: string };
  responseIdPath: string;
  timeoutMs: number;
  dlr: {
    idPath: string;
    statusPath: string;
    reasonPath?: string | undefined;
    statusMap: Record<string, 'delivered' | 'failed' | 'accepted'>;
    hmacHeader?: string | undefined;
    hmacSecret?: string | undefined;
  };
  publicUrl: string;
  tokenTtlMs: number;
  /** After a transport failure (or HTTP 5xx/429), how long health() says down (failover skips it meanwhile). */
  retryDownMs?: number;
}

/** `a.b.0.c` in a parsed JSON value. */
export function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Replaces `{name}` with `escape(values[name])`; unknown names are left as they are. */
export function fill(template: string, values: Record<string, string>, escape: (s: string) => string): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in values ? escape(values[name] as string) : whole));
}

/** A string's JSON escaping without the quotes (for use inside a quoted JSON template field). */
const jsonEscape = (s: string): string => JSON.stringify(s).slice(1, -1);

/**
 * A generic HTTP SMS provider: a configured request (method, URL, headers, a body template whose
 * fields are JSON- or form-escaped), the message id read from the response at a dotted path, and
 * delivery receipts posted back with a configurable status mapping. A receipt is believed when
 * its URL carries the message's unguessable token, or its body has a valid HMAC-SHA256 signature.
 */
export class HttpSmsGateway implements HttpReceiptGateway {
  readonly kind = 'http' as const;
  readonly name: string;
  /** token → provider message id, and the ids in flight (both forgotten after the receipt TTL). */
  private readonly tokens = new Map<string, string>();
  private readonly ids = new Map<string, NodeJS.Timeout>();
  private readonly down: DownWindow;

  constructor(
    private readonly settings: HttpGatewaySettings,
    private readonly logger: Logger,
  ) {
    this.name = settings.name;
    this.down = new DownWindow(settings.retryDownMs ?? 30_000);
  }

  async submit(msg: SmsSubmit, opts: SubmitOptions): Promise<SubmitResult> {
    const token = randomBytes(16).toString('base64url');
    const values = {
      to: msg.to,
      from: msg.from,
      text: msg.text,
      ref: token,
      dlr_url: `${this.settings.publicUrl.replace(/\/$/, '')}/v1/sms/dlr/${encodeURIComponent(this.name)}/${token}`,
    };
    const { request } = this.settings;
    const url = fill(request.url, values, encodeURIComponent);
    const body = request.method === 'GET' ? undefined : fill(request.body, values, request.bodyFormat === 'json' ? jsonEscape : encodeURIComponent);
    const headers: Record<string, string> = { 'content-type': request.bodyFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded', ...request.headers };
    try {
      const response = await fetch(url, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(Math.min(opts.timeoutMs, this.settings.timeoutMs))]),
      });
      const text = await response.text();
      this.down.ok();
      if (!response.ok) {
        if (response.status >= 500 || response.status === 429) this.down.fail(`HTTP ${response.status}`);
        this.logger.warn({ status: response.status }, 'sms provider refused the message');
        return { ok: false, reason: response.status >= 500 || response.status === 429 ? 'unavailable' : 'rejected', permanent: false, detail: `HTTP ${response.status}` };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = undefined;
      }
      const id = pick(parsed, this.settings.responseIdPath);
      if (typeof id !== 'string' && typeof id !== 'number') return { ok: false, reason: 'no-message-id', permanent: false };
      this.remember(token, String(id));
      return { ok: true, ids: [String(id)], receipts: msg.receipt, token };
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      this.down.fail(timeout ? 'timeout' : 'unreachable');
      return { ok: false, reason: timeout ? 'timeout' : 'unavailable', permanent: false };
    }
  }

  acceptCallback(cb: DlrCallback): SmsReceipt | { forged: string } {
    const { dlr } = this.settings;
    if (dlr.hmacHeader !== undefined && dlr.hmacSecret !== undefined) {
      const given = Buffer.from(cb.headers[dlr.hmacHeader.toLowerCase()] ?? '', 'hex');
      const expected = createHmac('sha256', dlr.hmacSecret).update(cb.rawBody).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { forged: 'bad signature' };
    } else if (cb.token === undefined) {
      return { forged: 'no token' };
    }
    const source = cb.body ?? cb.query;
    const bodyId = pick(source, dlr.idPath);
    const bodyIdText = typeof bodyId === 'string' || typeof bodyId === 'number' ? String(bodyId) : undefined;
    const local = cb.token !== undefined ? this.tokens.get(cb.token) : bodyIdText !== undefined && this.ids.has(bodyIdText) ? bodyIdText : undefined;
    // Not sent by this engine: another engine's message if the store's index knows the id (with this token)
    const remote = local === undefined && bodyIdText !== undefined;
    const id = local ?? bodyIdText;
    if (id === undefined) return { forged: 'unknown message' };
    if (bodyIdText !== undefined && bodyIdText !== id) return { forged: 'id does not match token' };
    const rawStatus = pick(source, dlr.statusPath);
    const status = typeof rawStatus === 'string' || typeof rawStatus === 'number' ? dlr.statusMap[String(rawStatus)] : undefined;
    if (status === undefined) return { forged: 'unmapped status' };
    const receipt: SmsReceipt = { gateway: this.name, id, status, ...(remote ? { unverified: { token: cb.token } } : {}) };
    if (status === 'failed') {
      const reason = dlr.reasonPath === undefined ? undefined : pick(source, dlr.reasonPath);
      receipt.reason = typeof reason === 'string' && /^[a-z0-9_-]{1,32}$/i.test(reason) ? reason.toLowerCase() : 'undeliverable';
    }
    if (status !== 'accepted' && !remote) this.forget(id, cb.token);
    return receipt;
  }

  onReceipt(_listener: (receipt: SmsReceipt) => void): void {
    // receipts arrive as HTTP callbacks (acceptCallback)
  }

  health(): SmsGatewayHealth {
    return this.down.health();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    for (const timer of this.ids.values()) clearTimeout(timer);
    this.ids.clear();
    this.tokens.clear();
  }

  private remember(token: string, id: string): void {
    const timer = setTimeout(() => this.forget(id, token), this.settings.tokenTtlMs);
    timer.unref();
    this.tokens.set(token, id);
    this.ids.set(id, timer);
  }

  private forget(id: string, token: string | undefined): void {
    clearTimeout(this.ids.get(id));
    this.ids.delete(id);
    if (token !== undefined) this.tokens.delete(token);
  }
}
