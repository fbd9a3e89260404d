import type { Socket } from 'node:net';
import { FreeSwitchClient, FreeSwitchError, FreeSwitchTimeout, type FreeSwitchResponse } from 'esl';
import type { Logger } from 'pino';
import type { IdSource } from './ids';
import { describeTarget, type EslTarget } from './url';

/** An event body as the esl client parses `text/event-json`: a flat object of strings. */
export type EslEvent = Readonly<Record<string, string | undefined>>;

/** A command's outcome. Never thrown: FreeSWITCH's `-ERR …` replies are values like everything else. */
export type CommandResult =
  | { ok: true; text: string }
  | {
      ok: false;
      /** `error`: FreeSWITCH answered `-ERR…`; `timeout`: no answer in time; `down`: no connection. */
      failure: 'error' | 'timeout' | 'down';
      text: string;
    };

/**
 * Events the driver needs; everything else stays on FreeSWITCH. Events are large (60 to 140
 * headers of JSON each, 6-9 KB over SIP, every channel variable included), and parsing them is
 * most of the driver's CPU per call, so CHANNEL_EXECUTE, CHANNEL_HANGUP_COMPLETE and
 * CHANNEL_DESTROY are left out: CHANNEL_HANGUP already carries the cause and, over SIP,
 * `variable_sip_term_status` (sip-busy.json), and an application is matched by its
 * CHANNEL_EXECUTE_COMPLETE alone. CHANNEL_ANSWER is taken for the driver's wake-up at answer
 * (freeswitch-call.ts), which starts the first prompt up to 20 ms sooner, and to kill at once a
 * call given up on that was answered after all (freeswitch-pbx.ts).
 */
export const SUBSCRIBED_EVENTS = [
  'CHANNEL_ANSWER',
  'CHANNEL_PARK',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'DTMF',
  'BACKGROUND_JOB',
  // the ringing event of flash calls (180 / 183 on the A leg: recording sip-noanswer.json)
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
] as const;
export type SubscribedEvent = (typeof SUBSCRIBED_EVENTS)[number];

/** The channel variable header that marks a call to a missed-call DID (esl-inbound.ts). */
export const INBOUND_MARK = 'variable_pbxverify_inbound';

/** Why a connection could not be opened. `auth` never heals by retrying with the same password. */
export class EslConnectError extends Error {
  override name = 'EslConnectError';
  constructor(
    message: string,
    readonly kind: 'auth' | 'refused' | 'timeout' | 'protocol',
  ) {
    super(message);
  }
}

export interface LinkOptions {
  target: EslTarget;
  logger: Logger;
  connectTimeoutMs: number;
  /** Deadline of every command that expects a reply (the esl client's own defaults: 1 s, 10 s, 9 h). */
  commandTimeoutMs: number;
  /** Where channel and job ids come from: the link lets only those through. */
  ids: IdSource;
}

export interface LinkHandlers {
  onEvent(name: SubscribedEvent, event: EslEvent): void;
  /** Called once when the connection is gone, whoever closed it. */
  onClose(reason: string): void;
}

type ClientLogger = { debug(msg: string, data?: unknown): void; info(msg: string, data?: unknown): void; error(msg: string, data?: unknown): void };

/**
 * What the esl client says, made safe to log: it repeats a failed command in full
 * (`FreeSwitchResponse::async_log: send bgapi originate {…}sofia/gateway/x/+4420…`, a chat
 * command with the code in it), so only the command's first words are kept and long digit runs
 * are cut.
 */
export function safeClientMessage(msg: string): string {
  const command = /^(FreeSwitchResponse::async_log: \S+(?: \S+)?)/.exec(msg);
  return (command ? `${command[1]} …` : msg).replace(/\+?\d{5,}/g, '…');
}

/**
 * The esl client logs to `console` at debug level unless given a logger, and logs expected
 * `-ERR` replies as errors. Everything it says goes to the engine's logger at trace/debug,
 * without its data (which holds whole events: numbers, digits).
 */
function clientLogger(logger: Logger, onSocketError: (code: string) => void): ClientLogger {
  // The client says something for every command, reply and event: the message is only made safe
  // (regular expressions over it) when the line is written.
  const trace = (msg: string): void => {
    if (logger.isLevelEnabled('trace')) logger.trace({ esl: safeClientMessage(msg) }, 'esl client');
  };
  return {
    debug: trace,
    info: trace,
    error: (msg, data) => {
      const code = (data as { code?: unknown } | undefined)?.code;
      if (typeof code === 'string') onSocketError(code);
      if (logger.isLevelEnabled('debug')) logger.debug({ esl: safeClientMessage(msg) }, 'esl client error');
    },
  };
}

/**
 * One authenticated event-socket connection, made with the `esl` client and used until it breaks.
 *
 * The client's own reconnect loop is never used: it retries after 200 ms forever (also after a
 * wrong password, which FreeSWITCH answers with a disconnect), never resets its back-off and
 * hands out a new connection object each time. The driver opens a new link per attempt instead
 * (see link-keeper.ts) and ends the client as soon as the link is closed.
 *
 * Replies are matched to commands by order only (the protocol has no correlation id), so a
 * command that times out leaves its late reply to be taken by the next one: the link is closed
 * on the first timeout and everything pending fails as `down`.
 */
export class EslLink {
  private closedReason: string | undefined;
  private readonly jobs = new Map<string, (result: CommandResult) => void>();

  private constructor(
    private readonly client: FreeSwitchClient,
    private readonly res: FreeSwitchResponse,
    private readonly opts: LinkOptions,
    private readonly handlers: LinkHandlers,
  ) {}

  /** Connects, authenticates and subscribes. Rejects with an {@link EslConnectError}. */
  static open(opts: LinkOptions, handlers: LinkHandlers): Promise<EslLink> {
    const where = describeTarget(opts.target);
    return new Promise<EslLink>((resolve, reject) => {
      let socketError: string | undefined;
      let link: EslLink | undefined;
      let settled = false;
      const client = new FreeSwitchClient({
        host: opts.target.host,
        port: opts.target.port,
        password: opts.target.password,
        logger: clientLogger(opts.logger, (code) => (socketError = code)),
      });
      const fail = (err: EslConnectError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // end() only half-closes (and forgets the connection): a peer that accepted the TCP
        // connection and went silent would keep it open.
        const socket = (client as unknown as { current_call?: { __socket?: Socket } }).current_call?.__socket;
        client.end();
        socket?.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new EslConnectError(`${where}: no event socket answered within ${opts.connectTimeoutMs} ms`, 'timeout')), opts.connectTimeoutMs);
      client.on('error', (err) => {
        // A failed `auth` is reported here, after which the client would still emit `connect`
        // (and FreeSWITCH closes the socket): see auth-bad-password.frames.json.
        const args = err instanceof FreeSwitchError ? err.args : {};
        const text = (value: unknown): string => (typeof value === 'string' ? value : '');
        const reply = err instanceof FreeSwitchError ? text(args.reply) || text(args.when) : err instanceof Error ? err.message : '';
        if (/^-ERR/.test(reply) && /^auth\b/.test(text(args.command))) {
          fail(new EslConnectError(`${where} refused the password (${reply.trim()}): check the esl:// URL against event_socket.conf.xml`, 'auth'));
        } else {
          fail(new EslConnectError(`${where}: event socket handshake failed (${reply.trim() || 'no reply'})`, 'protocol'));
        }
        link?.close('esl client error');
      });
      client.on('reconnecting', () => {
        if (!settled) {
          const why = socketError === 'ECONNREFUSED' ? 'connection refused' : socketError ? socketError : 'connection closed';
          fail(new EslConnectError(`${where}: ${why}`, 'refused'));
        }
        link?.close(socketError ? `connection lost (${socketError})` : 'connection closed by FreeSWITCH');
      });
      client.on('connect', (res) => {
        if (settled) return;
        const candidate = new EslLink(client, res, opts, handlers);
        link = candidate;
        candidate
          .subscribe()
          .then((problem) => {
            if (problem !== undefined) {
              candidate.close(problem);
              return fail(new EslConnectError(`${where}: ${problem}`, 'protocol'));
            }
            if (settled) return candidate.close('superseded');
            settled = true;
            clearTimeout(timer);
            resolve(candidate);
          })
          .catch((err: unknown) => fail(new EslConnectError(`${where}: ${String(err)}`, 'protocol')));
      });
      client.connect();
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  /**
   * Subscribes with `event json` and installs the filters. Once a connection has any filter,
   * FreeSWITCH sends only the events matching one of them: the two regular expressions on our id
   * prefix (ids.ts) keep out every other channel and job of a shared FreeSWITCH.
   */
  private async subscribe(): Promise<string | undefined> {
    for (const name of SUBSCRIBED_EVENTS) {
      this.res.on(name, (data) => this.handlers.onEvent(name, data.body));
    }
    this.res.on('socket.close', () => this.close('socket closed'));
    this.res.on('freeswitch_disconnect_notice', () => this.close('FreeSWITCH sent a disconnect notice'));
    // the third filter lets calls to missed-call DIDs through (dialplan/freeswitch pbxverify-inbound sets the variable)
    const steps = [`event json ${SUBSCRIBED_EVENTS.join(' ')}`, `filter Unique-ID ${this.opts.ids.filter}`, `filter Job-UUID ${this.opts.ids.filter}`, `filter ${INBOUND_MARK} true`];
    for (const step of steps) {
      const reply = await this.send(step);
      if (!reply.ok) return `${step.split(' ').slice(0, 2).join(' ')} failed (${reply.failure}: ${reply.text})`;
    }
    return undefined;
  }

  /** A command answered by `command/reply` (`sendmsg`, `filter`, `event`). */
  async send(command: string, headers: Record<string, string> = {}, timeoutMs = this.opts.commandTimeoutMs): Promise<CommandResult> {
    if (!this.isOpen) return { ok: false, failure: 'down', text: this.closedReason ?? 'closed' };
    try {
      const res = await this.res.send(command, headers, timeoutMs);
      return { ok: true, text: res.headers['Reply-Text'] ?? '' };
    } catch (err) {
      return this.failure(err, command);
    }
  }

  /** A synchronous `api` command (answered by `api/response`); `-ERR…` bodies come back as failures. */
  async api(command: string, timeoutMs = this.opts.commandTimeoutMs): Promise<CommandResult> {
    if (!this.isOpen) return { ok: false, failure: 'down', text: this.closedReason ?? 'closed' };
    try {
      const res = await this.res.api(command, timeoutMs);
      return { ok: true, text: res.body };
    } catch (err) {
      return this.failure(err, command);
    }
  }

  /**
   * `bgapi` with a Job-UUID chosen here (FreeSWITCH honours the header and then replies
   * `+OK Job-UUID`), so the result can be awaited before the command is even sent, and the id
   * carries our prefix so the job's BACKGROUND_JOB passes the filter. Resolves with the `_body`.
   */
  async bgapi(command: string, timeoutMs: number): Promise<CommandResult> {
    if (!this.isOpen) return { ok: false, failure: 'down', text: this.closedReason ?? 'closed' };
    const jobId = this.opts.ids.next();
    const done = new Promise<CommandResult>((resolve) => {
      this.jobs.set(jobId, resolve);
      // A listener on `BACKGROUND_JOB <id>` also stops the client from keeping the event in its
      // never-emptied "later" map (it stores every job result nobody waits for).
      this.res.once(`BACKGROUND_JOB ${jobId}`, ({ body }) => resolve({ ok: true, text: body._body ?? '' }));
    });
    const sent = await this.send(`bgapi ${command}`, { 'Job-UUID': jobId });
    if (!sent.ok) {
      this.jobs.delete(jobId);
      return sent;
    }
    const timer = setTimeout(() => this.jobs.get(jobId)?.({ ok: false, failure: 'timeout', text: `no result within ${timeoutMs} ms` }), timeoutMs);
    const result = await done;
    clearTimeout(timer);
    this.jobs.delete(jobId);
    return result;
  }

  /** Says `exit` (best effort, 1 s) and closes: for a graceful stop. */
  async quit(): Promise<void> {
    if (this.isOpen) await this.send('exit', {}, 1000);
    this.close('stopped');
  }

  /** Closes the connection (idempotent); pending commands and jobs fail as `down`. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.opts.logger.debug({ reason }, 'esl link closed');
    // The client only half-closes its socket; a peer that stopped answering would keep it open.
    const socket = (this.res as unknown as { __socket?: Socket }).__socket;
    this.client.end();
    socket?.destroy();
    for (const resolve of this.jobs.values()) resolve({ ok: false, failure: 'down', text: reason });
    this.jobs.clear();
    this.handlers.onClose(reason);
  }

  private failure(err: unknown, command: string): CommandResult {
    if (err instanceof FreeSwitchTimeout) {
      const verb = command.split(' ')[0] ?? command;
      this.close(`${verb} got no reply within ${err.timeout} ms`);
      return { ok: false, failure: 'timeout', text: `no reply within ${err.timeout} ms` };
    }
    if (err instanceof FreeSwitchError && typeof err.args.reply === 'string') {
      return { ok: false, failure: 'error', text: err.args.reply.trim() };
    }
    return { ok: false, failure: 'down', text: this.closedReason ?? (err instanceof Error ? err.message || String(err) : String(err)) };
  }
}
