import type { Logger } from 'pino';
import { STATUS, connectSession, sendCommand, type Pdu, type SmppSession } from './smpp-lib';

export type BindRole = 'transceiver' | 'transmitter' | 'receiver';

export interface BindSettings {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  window: number;
  maxPerSecond: number;
  enquireLinkMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  responseTimeoutMs: number;
}

/** A submit_sm's answer, or `lost`: the session went away before the response came. */
export type SubmitAnswer = { status: number; messageId: string } | 'lost';

interface InFlight {
  settle(answer: SubmitAnswer): void;
  sentAt: number;
}

/**
 * One SMPP session: connect, bind, keep alive with enquire_link, reconnect with capped
 * exponential back-off. Sending is limited by a window of outstanding submit_sm and a
 * throughput cap. Submits whose response never came resolve `lost` when the session drops:
 * the gateway sends them again on the next bind (the SMSC did not answer, so it did not take them).
 */
export class SmppBind {
  private session: SmppSession | undefined;
  private bound = false;
  private stopped = true;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private responseTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly slotWaiters: Array<() => void> = [];
  private nextSendAt = 0;
  private pausedUntil = 0;
  private lastError = 'not started';

  constructor(
    readonly role: BindRole,
    private readonly settings: BindSettings,
    private readonly logger: Logger,
    private readonly onDeliver: (pdu: Pdu) => void,
    private readonly onBound: () => void,
  ) {}

  get ready(): boolean {
    return this.bound;
  }

  get detail(): string {
    return this.bound ? 'bound' : this.lastError;
  }

  /** Outstanding submits (for spreading load over binds). */
  get load(): number {
    return this.inFlight.size + this.slotWaiters.length;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.enquireTimer);
    clearInterval(this.responseTimer);
    const session = this.session;
    if (!session) return;
    if (this.bound) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        sendCommand(session, 'unbind', {}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.drop('stopped');
  }

  /** Pauses sending (the SMSC said it is throttling us). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Sends one submit_sm once the window and the throughput cap allow it. */
  async submit(fields: Record<string, unknown>, signal: AbortSignal): Promise<SubmitAnswer> {
    while (this.inFlight.size >= this.settings.window) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      if (signal.aborted || !this.bound) return 'lost';
    }
    const wait = Math.max(this.pausedUntil, this.nextSendAt) - Date.now();
    if (this.settings.maxPerSecond > 0) this.nextSendAt = Math.max(Date.now(), this.nextSendAt) + 1000 / this.settings.maxPerSecond;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const session = this.session;
    if (!session || !this.bound || signal.aborted) return 'lost';
    return new Promise<SubmitAnswer>((resolve) => {
      let seq = 0;
      const entry: InFlight = {
        settle: (answer) => {
          if (this.inFlight.get(seq) === entry) this.inFlight.delete(seq);
          this.slotWaiters.shift()?.();
          resolve(answer);
        },
        sentAt: Date.now(),
      };
      const sent = sendCommand(session, 'submit_sm', fields, (pdu) => entry.settle({ status: pdu.command_status, messageId: typeof pdu.message_id === 'string' ? pdu.message_id : '' }));
      if (!sent) {
        // the socket is closing: the session is gone, whatever its close event says later
        this.drop('socket not writable');
        return entry.settle('lost');
      }
      seq = this.lastSequence(session);
      this.inFlight.set(seq, entry);
    });
  }

  /**
   * One timer per bind rather than one per submit: the oldest outstanding submit (the Map keeps
   * insertion order) without a response in time means the session is broken (the SMSC answers
   * every PDU), so it is dropped and its submits are sent again on the next bind.
   */
  private checkResponses(): void {
    const oldest = this.inFlight.values().next();
    if (!oldest.done && Date.now() - oldest.value.sentAt > this.settings.responseTimeoutMs) this.drop('submit_sm_resp timeout');
  }

  private lastSequence(session: SmppSession): number {
    return (session as unknown as { sequence: number }).sequence;
  }

  private connect(): void {
    if (this.stopped) return;
    const session = connectSession(this.settings.host, this.settings.port);
    this.session = session;
    session.on('connect', () => {
      session.socket.setNoDelay?.(true);
      sendCommand(session, `bind_${this.role}`, { system_id: this.settings.systemId, password: this.settings.password, system_type: this.settings.systemType }, (pdu) => {
        if (pdu.command_status !== STATUS.ROK) {
          this.lastError = `bind refused (0x${pdu.command_status.toString(16)})`;
          this.logger.warn({ role: this.role, status: pdu.command_status }, 'smpp bind refused');
          this.drop(this.lastError);
          return;
        }
        this.bound = true;
        this.failures = 0;
        this.logger.info({ role: this.role }, 'smpp bound');
        this.enquireTimer = setInterval(() => this.enquire(session), this.settings.enquireLinkMs);
        this.responseTimer = setInterval(() => this.checkResponses(), Math.max(50, this.settings.responseTimeoutMs / 4));
        this.onBound();
      });
    });
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      this.onDeliver(pdu);
    });
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu) => {
      session.send(pdu.response());
      this.drop('unbound by the SMSC');
    });
    session.on('error', (err) => {
      this.lastError = `connection error (${(err as NodeJS.ErrnoException).code ?? 'socket'})`;
      this.drop(this.lastError);
    });
    session.on('close', () => this.drop('connection closed'));
  }

  private enquire(session: SmppSession): void {
    const timer = setTimeout(() => {
      if (this.session === session) this.drop('enquire_link unanswered');
    }, this.settings.responseTimeoutMs);
    sendCommand(session, 'enquire_link', {}, () => clearTimeout(timer));
  }

  /** Tears the session down, fails its in-flight submits as `lost`, schedules a reconnect. */
  private drop(why: string): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    const wasBound = this.bound;
    this.bound = false;
    clearInterval(this.enquireTimer);
    clearInterval(this.responseTimer);
    session.removeAllListeners();
    session.on('error', () => undefined);
    session.destroy();
    for (const entry of [...this.inFlight.values()]) entry.settle('lost');
    this.inFlight.clear();
    for (const wake of this.slotWaiters.splice(0)) wake();
    if (wasBound) this.logger.warn({ role: this.role, why }, 'smpp session lost');
    if (this.stopped) return;
    const delay = Math.min(this.settings.reconnectMaxMs, this.settings.reconnectMinMs * 2 ** Math.min(this.failures, 16));
    this.failures++;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
