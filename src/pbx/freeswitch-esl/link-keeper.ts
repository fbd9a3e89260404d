import type { Logger } from 'pino';
import { backoffMs } from '../../lib/abort';
import type { PbxHealth } from '../port';
import { EslConnectError, EslLink, type EslEvent, type LinkOptions, type SubscribedEvent } from './esl-link';
import { describeTarget } from './url';

export interface KeeperOptions extends LinkOptions {
  /** Cap of the reconnect back-off (full jitter, doubling from 250 ms). */
  reconnectMaxDelayMs: number;
  /** How often an idle link is probed with `api status`; a probe that gets no reply closes it. */
  keepaliveMs: number;
}

export interface KeeperHooks {
  onEvent(name: SubscribedEvent, event: EslEvent): void;
  /** A new link is up and subscribed; runs before the driver reports ready. */
  onUp(link: EslLink): Promise<void>;
  /** The link is gone; everything in flight on it must be failed now. */
  onDown(reason: string): void;
}

type State = 'idle' | 'connecting' | 'up' | 'reconnecting' | 'stopped';

/**
 * Keeps one event-socket link open: connects at start (failing start-up with a clear error),
 * then reconnects forever with capped, jittered back-off — whether FreeSWITCH restarted, the
 * socket was cut, a keepalive probe went unanswered or the password stopped working (logged,
 * retried without a storm). Each reconnect is a new {@link EslLink}, resubscribed from scratch.
 */
export class LinkKeeper {
  private state: State = 'idle';
  private link: EslLink | undefined;
  private attempt = 0;
  private lastProblem: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private readonly where: string;

  constructor(
    private readonly opts: KeeperOptions,
    private readonly hooks: KeeperHooks,
    private readonly logger: Logger,
  ) {
    this.where = describeTarget(opts.target);
  }

  /** The link when it is up and reconciled; undefined otherwise. */
  current(): EslLink | undefined {
    return this.state === 'up' && this.link?.isOpen ? this.link : undefined;
  }

  health(): PbxHealth {
    switch (this.state) {
      case 'up':
        return { ready: true, detail: `connected to ${this.where}` };
      case 'reconnecting':
        return { ready: false, detail: `reconnecting to ${this.where} (attempt ${this.attempt}${this.lastProblem ? `: ${this.lastProblem}` : ''})` };
      case 'connecting':
        return { ready: false, detail: `connecting to ${this.where}` };
      case 'idle':
        return { ready: false, detail: 'not started' };
      case 'stopped':
        return { ready: false, detail: 'stopped' };
    }
  }

  /**
   * First connection. Rejects (and stops trying) when FreeSWITCH cannot be reached or refuses
   * the password. May be called again after a failed start or a stop (the dialer retries a node
   * that did not start).
   */
  async start(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'stopped') throw new Error('the FreeSWITCH link is already started');
    this.state = 'connecting';
    this.attempt = 0;
    this.lastProblem = undefined;
    try {
      await this.connect();
    } catch (err) {
      this.state = 'stopped';
      throw new Error(`FreeSWITCH ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    clearInterval(this.keepaliveTimer);
    const link = this.link;
    this.link = undefined;
    await link?.quit();
  }

  private async connect(): Promise<void> {
    // The close handler may run before open() resolves (then open() rejects and nothing is lost).
    const opened: { link?: EslLink } = {};
    const link = await EslLink.open(this.opts, {
      onEvent: (name, event) => this.hooks.onEvent(name, event),
      onClose: (reason) => this.lost(opened.link, reason),
    });
    opened.link = link;
    if (this.state === 'stopped') {
      link.close('stopped');
      return;
    }
    this.link = link;
    await this.hooks.onUp(link);
    if (!link.isOpen) return; // lost while reconciling: lost() has scheduled the next attempt
    this.state = 'up';
    this.attempt = 0;
    this.lastProblem = undefined;
    this.logger.info({ pbx: this.where }, 'freeswitch connected');
    this.keepalive(link);
  }

  private keepalive(link: EslLink): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => {
      if (!link.isOpen) return clearInterval(this.keepaliveTimer);
      // A probe with no reply closes the link (esl-link.ts), which starts a reconnect.
      void link.api('status');
    }, this.opts.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  private lost(link: EslLink | undefined, reason: string): void {
    // `link` is undefined when the close happens inside open(): open() rejects then.
    if (link === undefined || link !== this.link || this.state === 'stopped') return;
    this.link = undefined;
    clearInterval(this.keepaliveTimer);
    this.state = 'reconnecting';
    this.lastProblem = reason;
    this.logger.warn({ pbx: this.where, reason }, 'freeswitch link lost');
    this.hooks.onDown(reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === 'stopped') return;
    const delay = 100 + backoffMs(this.attempt, 250, this.opts.reconnectMaxDelayMs);
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.state === 'stopped') return;
    try {
      await this.connect();
    } catch (err) {
      this.lastProblem = err instanceof Error ? err.message.replace(`${this.where}: `, '') : String(err);
      const auth = err instanceof EslConnectError && err.kind === 'auth';
      this.logger[auth ? 'error' : 'debug']({ pbx: this.where, attempt: this.attempt, problem: this.lastProblem }, 'freeswitch reconnect failed');
      this.scheduleReconnect();
    }
  }
}
