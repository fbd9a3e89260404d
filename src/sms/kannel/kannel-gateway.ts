import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { DownWindow } from '../down-window';
import type { DlrCallback, HttpReceiptGateway, SmsGatewayHealth, SmsReceipt, SmsSubmit, SubmitOptions, SubmitResult } from '../port';

export interface KannelSettings {
  name: string;
  /** smsbox's sendsms URL. */
  url: string;
  username: string;
  password: string;
  smsc?: string | undefined;
  dlrMask: number;
  timeoutMs: number;
  /** This engine's base URL as Kannel reaches it (for dlr-url). */
  publicUrl: string;
  /** How long a message's token is kept for its receipts. */
  tokenTtlMs: number;
  /** After a transport failure, how long health() says down (failover skips it meanwhile). */
  retryDownMs?: number;
}

/** Kannel's DLR types (%d in dlr-url). */
const DLR: Readonly<Record<string, Pick<SmsReceipt, 'status' | 'reason'>>> = {
  '1': { status: 'delivered' },
  '2': { status: 'failed', reason: 'undeliverable' },
  '4': { status: 'accepted' },
  '8': { status: 'accepted' },
  '16': { status: 'failed', reason: 'rejected' },
};

/**
 * Kannel through smsbox's HTTP `sendsms` interface. Kannel returns no message id, so each
 * message gets an unguessable token (128 random bits) that is both its id here and the last
 * path segment of its dlr-url: a receipt for an unknown token is refused as forged.
 * Long texts are sent pre-split, one sendsms per part with its UDH (see submit).
 */
export class KannelGateway implements HttpReceiptGateway {
  readonly kind = 'kannel' as const;
  readonly name: string;
  private readonly tokens = new Map<string, NodeJS.Timeout>();
  /** Down for `retryDownMs` after a transport failure (Kannel unreachable or too slow), then tried again. */
  private readonly down: DownWindow;

  constructor(
    private readonly settings: KannelSettings,
    private readonly logger: Logger,
  ) {
    this.name = settings.name;
    this.down = new DownWindow(settings.retryDownMs ?? 30_000);
  }

  /**
   * One sendsms call per part. A long text is sent as the parts the planner cut (the code never
   * split across two), each with its concatenation header in Kannel's `udh` parameter, so Kannel
   * does not split it again at its own places; each part has its own token and receipt.
   */
  async submit(msg: SmsSubmit, opts: SubmitOptions): Promise<SubmitResult> {
    const parts = msg.plan.parts.length > 1 ? msg.plan.parts : [{ text: msg.text, udh: undefined }];
    const tokens: string[] = [];
    for (const part of parts) {
      const sent = await this.sendPart(msg, part.text, part.udh, opts);
      if (!sent.ok) {
        for (const token of tokens) this.forget(token);
        return sent;
      }
      tokens.push(sent.token);
    }
    return { ok: true, ids: tokens, receipts: msg.receipt };
  }

  private async sendPart(msg: SmsSubmit, text: string, udh: Buffer | undefined, opts: SubmitOptions): Promise<{ ok: true; token: string } | Extract<SubmitResult, { ok: false }>> {
    const token = randomBytes(16).toString('base64url');
    const url = new URL(this.settings.url);
    const q = url.searchParams;
    q.set('username', this.settings.username);
    q.set('password', this.settings.password);
    q.set('from', msg.from);
    q.set('to', msg.to.replace(/^\+/, '00'));
    q.set('text', text);
    q.set('charset', 'UTF-8');
    q.set('coding', msg.plan.encoding === 'gsm7' ? '0' : '2');
    if (this.settings.smsc) q.set('smsc', this.settings.smsc);
    if (msg.receipt) {
      q.set('dlr-mask', String(this.settings.dlrMask));
      q.set('dlr-url', `${this.settings.publicUrl.replace(/\/$/, '')}/v1/sms/dlr/${encodeURIComponent(this.name)}/${token}?type=%d`);
      this.remember(token);
    }
    // the header's octets, each percent-encoded (URLSearchParams would UTF-8 encode those over 0x7f)
    const href = udh ? `${url.href}&udh=${[...udh].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')}` : url.href;
    try {
      const response = await fetch(href, { signal: AbortSignal.any([opts.signal, AbortSignal.timeout(Math.min(opts.timeoutMs, this.settings.timeoutMs))]) });
      const body = (await response.text()).slice(0, 200);
      if (response.status === 202 || response.status === 200) {
        this.down.ok();
        return { ok: true, token };
      }
      this.forget(token);
      // 4xx: Kannel refused this message (bad number, no route, auth); 5xx / 503: Kannel is in trouble
      const reason = response.status === 403 || response.status === 401 ? 'auth-failed' : response.status >= 500 ? 'unavailable' : 'rejected';
      this.logger.warn({ status: response.status, body: body.replace(/[0-9]{4,}/g, '…') }, 'kannel refused the message');
      return { ok: false, reason, permanent: false, detail: `HTTP ${response.status}` };
    } catch (err) {
      this.forget(token);
      const timeout = (err as Error).name === 'TimeoutError';
      this.down.fail(timeout ? 'timeout' : 'unreachable');
      return { ok: false, reason: timeout ? 'timeout' : 'unavailable', permanent: false };
    }
  }

  acceptCallback(cb: DlrCallback): SmsReceipt | { forged: string } {
    const token = cb.token;
    if (token === undefined || !/^[A-Za-z0-9_-]{22}$/.test(token)) return { forged: 'unknown token' };
    const mapped = DLR[cb.query.type ?? ''];
    if (!mapped) return { forged: 'unknown dlr type' };
    // Another engine sent it: the token is the message id, so the store's index knowing it is the check.
    if (!this.tokens.has(token)) return { gateway: this.name, id: token, ...mapped, unverified: { token: undefined } };
    if (mapped.status !== 'accepted') this.forget(token);
    return { gateway: this.name, id: token, ...mapped };
  }

  onReceipt(_listener: (receipt: SmsReceipt) => void): void {
    // receipts arrive as HTTP callbacks (acceptCallback)
  }

  health(): SmsGatewayHealth {
    return this.down.health();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    for (const timer of this.tokens.values()) clearTimeout(timer);
    this.tokens.clear();
  }

  private remember(token: string): void {
    const timer = setTimeout(() => this.tokens.delete(token), this.settings.tokenTtlMs);
    timer.unref();
    this.tokens.set(token, timer);
  }

  private forget(token: string): void {
    clearTimeout(this.tokens.get(token));
    this.tokens.delete(token);
  }
}
