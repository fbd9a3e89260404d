import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveEvent, LiveEventBus, LiveEventType } from './bus';

/** Which events a stream gets. `keyId` undefined: every key's (admin keys, console sessions). */
export interface StreamFilter {
  keyId?: string | undefined;
  trunk?: string | undefined;
  types?: ReadonlySet<LiveEventType> | undefined;
  /** Viewers and API streams already get masked numbers; `hideNumbers` drops even those. */
  hideNumbers?: boolean | undefined;
}

const HEARTBEAT_MS = 15_000;

/**
 * Open Server-Sent Event streams of one engine, bounded. A stream whose socket is not draining
 * drops events (counted; the next event it gets says how many) rather than buffering without end.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly bus: LiveEventBus,
    private readonly max: number,
  ) {}

  get count(): number {
    return this.open.size;
  }

  full(): boolean {
    return this.open.size >= this.max;
  }

  /** Takes over the reply: writes the SSE head and events until the client leaves. */
  serve(request: FastifyRequest, reply: FastifyReply, filter: StreamFilter, extraHeaders: Record<string, string> = {}): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...extraHeaders,
    });
    res.write(`retry: 2000\n: pbxverify live events\n\n`);
    let dropped = 0;
    let blocked = false;
    const send = (event: LiveEvent): void => {
      if (filter.keyId !== undefined && event.keyId !== filter.keyId) return;
      if (filter.trunk !== undefined && event.trunk !== filter.trunk) return;
      if (filter.types && !filter.types.has(event.type)) return;
      if (blocked) {
        dropped++;
        return;
      }
      const body = filter.hideNumbers ? { ...event, to: undefined } : event;
      const data = dropped > 0 ? { ...body, dropped } : body;
      dropped = 0;
      blocked = !res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.on('drain', () => {
      blocked = false;
    });
    const unsubscribe = this.bus.subscribe(send);
    const heartbeat = setInterval(() => {
      if (!blocked) res.write(': ping\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const close = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(close);
      if (!res.writableEnded) res.end();
    };
    this.open.add(close);
    request.raw.on('close', close);
    res.on('error', close);
  }

  /** Ends every stream (engine stop: open streams must not hold the listener open). */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
