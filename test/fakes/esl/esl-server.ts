import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { EventFactory } from './event-factory';
import { apiResponse, authRequest, commandReply, CommandReader, disconnectNotice, eventJson, eventPlain, type ClientCommand, type EventBody } from './frames';

/** What sits behind the event socket: the fake switch or a recording being replayed. */
export interface SwitchBackend {
  /** `api <command>`: resolves with the api/response body (`-ERR …\n` included). */
  api(command: string): Promise<string>;
  /** `bgapi <command>`: resolves with the BACKGROUND_JOB body. */
  job(command: string): Promise<string>;
  /** `sendmsg <uuid>` with its headers: resolves with the command/reply text. */
  sendmsg(uuid: string, headers: Record<string, string>): Promise<string>;
}

export interface EslServerOptions {
  password: string;
  /**
   * Commands (matched on their first line) that FreeSWITCH "never answers": the connection then
   * hangs like one stuck in a blocking api (no reply, nothing after it is processed; events still flow).
   */
  hang?: ((line: string) => boolean) | undefined;
}

/** One client connection with its own subscription, format and filters (as mod_event_socket keeps them). */
class Connection {
  authed = false;
  format: 'json' | 'plain' = 'json';
  readonly events = new Set<string>();
  readonly filters: Array<[string, string]> = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly reader = new CommandReader();

  constructor(
    readonly socket: Socket,
    private readonly server: EslServer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      for (const command of this.reader.push(chunk)) this.queue = this.queue.then(() => this.server.handle(this, command));
    });
    // FreeSWITCH answers a client's FIN with a disconnect notice before closing (WIRE-FORMAT.md).
    socket.on('end', () => this.bye());
    socket.on('error', () => socket.destroy());
  }

  wants(event: EventBody): boolean {
    if (!this.authed) return false;
    const name = event['Event-Name'] ?? '';
    if (!this.events.has('ALL') && !this.events.has(name)) return false;
    if (this.filters.length === 0) return true;
    return this.filters.some(([header, value]) => {
      const actual = event[header];
      if (actual === undefined) return false;
      return value.startsWith('/') && value.endsWith('/') ? new RegExp(value.slice(1, -1)).test(actual) : actual.toLowerCase() === value.toLowerCase();
    });
  }

  write(text: string): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(text);
  }

  bye(): void {
    this.write(disconnectNotice());
    this.socket.end();
  }
}

/**
 * A real TCP event-socket server speaking FreeSWITCH 1.10's inbound protocol: auth, api, bgapi
 * (with BACKGROUND_JOB and a client-chosen Job-UUID), sendmsg, event json/plain, filters,
 * nixevent/noevents, exit, disconnect notices.
 */
export class EslServer {
  readonly commandLog: string[] = [];
  /** Events written to clients, by Event-Name (one per connection that received it). */
  readonly delivered = new Map<string, number>();
  private readonly connections = new Set<Connection>();
  private server: Server | undefined;
  private port = 0;

  constructor(
    private readonly opts: EslServerOptions,
    private readonly backend: SwitchBackend,
    private readonly factory: EventFactory,
  ) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Listens on 127.0.0.1 (an ephemeral port the first time, the same port after a restart). */
  async listen(port = this.port): Promise<number> {
    const server = createServer((socket) => {
      const conn = new Connection(socket, this);
      this.connections.add(conn);
      socket.on('close', () => this.connections.delete(conn));
      conn.write(authRequest());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stops listening and drops every connection without a word (a FreeSWITCH that died). */
  async close(): Promise<void> {
    this.cutConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every client connection (a cable pulled): no disconnect notice. */
  cutConnections(): void {
    for (const conn of this.connections) conn.socket.destroy();
    this.connections.clear();
  }

  /** Sends an event to every connection whose subscription and filters let it through. */
  emit(event: EventBody): void {
    for (const conn of this.connections) {
      if (!conn.wants(event)) continue;
      const name = event['Event-Name'] ?? '';
      this.delivered.set(name, (this.delivered.get(name) ?? 0) + 1);
      conn.write(conn.format === 'plain' ? eventPlain(event) : eventJson(event));
    }
  }

  /** Filters of every connection (tests check the driver removes what it adds). */
  filters(): Array<Array<[string, string]>> {
    return [...this.connections].map((c) => [...c.filters]);
  }

  async handle(conn: Connection, command: ClientCommand): Promise<void> {
    const { line } = command;
    this.commandLog.push(line.startsWith('auth ') ? 'auth ********' : line);
    if (this.opts.hang?.(line)) return new Promise<void>(() => undefined);
    const [verb = '', ...rest] = line.split(' ');
    const args = rest.join(' ');
    if (!conn.authed) {
      if (verb !== 'auth') return conn.write(commandReply('-ERR invalid'));
      if (args === this.opts.password) {
        conn.authed = true;
        return conn.write(commandReply('+OK accepted'));
      }
      // auth-bad-password.frames.json: the reply and the notice, then FreeSWITCH closes.
      conn.write(commandReply('-ERR invalid'));
      return conn.bye();
    }
    switch (verb) {
      case 'event': {
        const [format = 'plain', ...names] = rest;
        if (format !== 'json' && format !== 'plain') return conn.write(commandReply('-ERR invalid event format'));
        conn.format = format;
        for (const name of names) conn.events.add(name);
        return conn.write(commandReply(`+OK event listener enabled ${format}`));
      }
      case 'nixevent':
        for (const name of rest) conn.events.delete(name);
        return conn.write(commandReply('+OK events nixed'));
      case 'noevents':
        conn.events.clear();
        return conn.write(commandReply('+OK no longer listening for events'));
      case 'filter':
        return conn.write(commandReply(this.filter(conn, rest)));
      case 'api':
        return conn.write(apiResponse(await this.backend.api(args)));
      case 'bgapi':
        return this.bgapi(conn, args, command.headers['Job-UUID']);
      case 'sendmsg':
        return conn.write(commandReply(await this.backend.sendmsg(args.trim(), command.headers)));
      case 'exit':
        conn.write(commandReply('+OK bye'));
        return conn.bye();
      case 'log':
      case 'nolog':
        return conn.write(commandReply('+OK'));
      default:
        return conn.write(commandReply('-ERR command not found'));
    }
  }

  private filter(conn: Connection, rest: string[]): string {
    if (rest[0] === 'delete') {
      const [, header = '', ...value] = rest;
      const wanted = value.join(' ');
      for (let i = conn.filters.length - 1; i >= 0; i--) {
        const [h, v] = conn.filters[i] as [string, string];
        if (header === 'all' || (h === header && (wanted === '' || v === wanted))) conn.filters.splice(i, 1);
      }
      return `+OK filter deleted. [${header}][${wanted}]`;
    }
    const [header, ...value] = rest;
    if (!header || value.length === 0) return '-ERR invalid syntax';
    conn.filters.push([header, value.join(' ')]);
    return `+OK filter added. [${header}]=[${value.join(' ')}]`;
  }

  private bgapi(conn: Connection, args: string, clientJobId: string | undefined): void {
    const jobId = clientJobId ?? randomUUID();
    // With a client Job-UUID FreeSWITCH 1.10.12 replies `+OK Job-UUID` (probed); without, `+OK Job-UUID: <id>`.
    conn.write(commandReply(clientJobId ? '+OK Job-UUID' : `+OK Job-UUID: ${jobId}`, [['Job-UUID', jobId]]));
    const [command = '', ...rest] = args.split(' ');
    void this.backend.job(args).then((body) => this.emit(this.factory.job(jobId, command, rest.join(' '), body)));
  }
}
