import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between a client and a real server (FreeSWITCH for the live fault tests, Redis for
 * the scale-out tests): it can cut every connection (a pulled cable), go away and come back on
 * the same port (the server gone), stop forwarding what the client says (a server that never
 * answers), or forward it but hold the server's replies (a client stuck mid-request whose
 * commands did land).
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private swallowing = false;
  private holding = false;
  /** Replies held per connection, in order, while {@link holdReplies} is on. */
  private readonly heldReplies = new Map<Socket, Buffer[]>();
  port = 0;
  accepted = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    const server = createServer((client) => {
      this.accepted++;
      const upstream = connect(this.target.port, this.target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('data', (chunk) => {
        if (!this.swallowing) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!this.holding) return void client.write(chunk);
        const queue = this.heldReplies.get(client) ?? [];
        queue.push(chunk);
        this.heldReplies.set(client, queue);
      });
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
        this.heldReplies.delete(client);
      };
      client.on('close', close);
      upstream.on('close', close);
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Destroys every relayed connection (no FIN to anyone's application). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Stops listening and cuts everything: connections are refused until {@link start} again. */
  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** While on, what clients send is dropped: their commands are never answered. */
  swallow(on: boolean): void {
    this.swallowing = on;
  }

  /** While on, what clients send reaches the server but its replies wait; off delivers them in order. */
  holdReplies(on: boolean): void {
    this.holding = on;
    if (on) return;
    for (const [client, queue] of this.heldReplies) for (const chunk of queue) client.write(chunk);
    this.heldReplies.clear();
  }
}
