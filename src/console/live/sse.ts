import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveEvent, LiveEventBus, LiveEventType } from './bus';

/** Which events a stream gets. `keyId` undefined: every key's (admin keys, console sessions). */
export interface StreamFilter {
  keyId?: string | undefined;
  trunk?: string | undefined;
  types?: ReadonlySet<LiveEventType> | undefined;
  /** Drops even the masked number (viewers' Live pages). */
  hideNumbers?: boolean | undefined;
}

interface Stream {
  filter: StreamFilter;
  write: (text: string) => boolean;
  /** Frames waiting for the next flush. */
  pending: string;
  blocked: boolean;
  dropped: number;
  close: () => void;
}

const HEARTBEAT_MS = 15_000;
/**
 * Frames are gathered and written to each stream together, this often: one socket write per
 * stream per interval instead of one per event (a hundred Live pages made every event a hundred
 * writes: measured in bench/console.bench.ts). Well inside the Live page's 2 s.
 */
const FLUSH_MS = 100;

/**
 * The open Server-Sent Event streams of one engine, bounded. One bus subscription for all of
 * them; each event is serialized once (twice when a stream hides numbers). A stream whose socket
 * is not draining drops events and then gets a `dropped` event with how many, rather than
 * buffering without end.
 */
export class EventStreams {
  private readonly open = new Set<Stream>();
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

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
    const stream: Stream = {
      filter,
      write: (text) => res.write(text),
      pending: '',
      blocked: false,
      dropped: 0,
      close: () => {
        if (!this.open.delete(stream)) return;
        if (!res.writableEnded) res.end();
        if (this.open.size === 0) this.idle();
      },
    };
    res.on('drain', () => {
      stream.blocked = false;
    });
    request.raw.on('close', () => stream.close());
    res.on('error', () => stream.close());
    this.open.add(stream);
    if (!this.unsubscribe) this.listen();
  }

  /** Ends every stream (engine stop: open streams must not hold the listener open). */
  closeAll(): void {
    for (const stream of [...this.open]) stream.close();
  }

  private listen(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.dispatch(event));
    this.heartbeat = setInterval(() => {
      for (const stream of this.open) if (!stream.blocked) stream.pending += ': ping\n\n';
      this.scheduleFlush();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private idle(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.heartbeat);
  }

  private dispatch(event: LiveEvent): void {
    let full: string | undefined;
    let hidden: string | undefined;
    for (const stream of this.open) {
      const f = stream.filter;
      if (f.keyId !== undefined && event.keyId !== f.keyId) continue;
      if (f.trunk !== undefined && event.trunk !== f.trunk) continue;
      if (f.types && !f.types.has(event.type)) continue;
      if (stream.blocked) {
        stream.dropped++;
        continue;
      }
      if (stream.dropped > 0) {
        stream.pending += `event: dropped\ndata: {"dropped":${stream.dropped}}\n\n`;
        stream.dropped = 0;
      }
      stream.pending += f.hideNumbers ? (hidden ??= frame(event, true)) : (full ??= frame(event, false));
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      for (const stream of this.open) {
        if (stream.pending === '') continue;
        stream.blocked = !stream.write(stream.pending);
        stream.pending = '';
      }
    }, FLUSH_MS);
    this.flushTimer.unref();
  }
}

function frame(event: LiveEvent, hideNumber: boolean): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(hideNumber ? { ...event, to: undefined } : event)}\n\n`;
}
