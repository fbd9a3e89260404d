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
  write: (chunk: Buffer | string) => boolean;
  blocked: boolean;
  /** Events this stream missed while its socket was not draining (told in a `dropped` event). */
  dropped: number;
  close: () => void;
}

/**
 * Streams with the same filter: each event is checked against the filter and serialized once per
 * group, each batch is encoded once and the same bytes written to every member (a hundred Live
 * pages of one role are one group).
 */
interface Group {
  filter: StreamFilter;
  members: Set<Stream>;
  /** Frames waiting for the next flush. */
  frames: string[];
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
 * them; streams are grouped by filter, each event is filtered and serialized once per group and
 * each batch encoded once per group. A stream whose socket is not draining skips batches and then
 * gets a `dropped` event with how many events it missed, rather than buffering without end.
 */
export class EventStreams {
  private readonly groups = new Map<string, Group>();
  private size = 0;
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: LiveEventBus,
    private readonly max: number,
  ) {}

  get count(): number {
    return this.size;
  }

  full(): boolean {
    return this.size >= this.max;
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
    const group = this.groupOf(filter);
    const stream: Stream = {
      write: (chunk) => res.write(chunk),
      blocked: false,
      dropped: 0,
      close: () => {
        if (!group.members.delete(stream)) return;
        this.size--;
        if (group.members.size === 0 && this.groups.get(signature(group.filter)) === group) this.groups.delete(signature(group.filter));
        if (!res.writableEnded) res.end();
        if (this.size === 0) this.idle();
      },
    };
    res.on('drain', () => {
      stream.blocked = false;
    });
    request.raw.on('close', () => stream.close());
    res.on('error', () => stream.close());
    group.members.add(stream);
    this.size++;
    if (!this.unsubscribe) this.listen();
  }

  /** Ends every stream (engine stop: open streams must not hold the listener open). */
  closeAll(): void {
    for (const group of [...this.groups.values()]) for (const stream of [...group.members]) stream.close();
  }

  private groupOf(filter: StreamFilter): Group {
    const key = signature(filter);
    let group = this.groups.get(key);
    if (!group) {
      group = { filter, members: new Set(), frames: [] };
      this.groups.set(key, group);
    }
    return group;
  }

  private listen(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.dispatch(event));
    this.heartbeat = setInterval(() => {
      for (const group of this.groups.values()) for (const stream of group.members) if (!stream.blocked) stream.blocked = !stream.write(': ping\n\n');
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
    for (const group of this.groups.values()) {
      const f = group.filter;
      if (f.keyId !== undefined && event.keyId !== f.keyId) continue;
      if (f.trunk !== undefined && event.trunk !== f.trunk) continue;
      if (f.types && !f.types.has(event.type)) continue;
      group.frames.push(f.hideNumbers ? (hidden ??= frame(event, true)) : (full ??= frame(event, false)));
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  private flush(): void {
    for (const group of this.groups.values()) {
      const count = group.frames.length;
      if (count === 0) continue;
      const batch = Buffer.from(group.frames.join(''), 'utf8');
      group.frames = [];
      for (const stream of group.members) {
        if (stream.blocked) {
          stream.dropped += count;
          continue;
        }
        if (stream.dropped > 0) {
          stream.write(`event: dropped\ndata: {"dropped":${stream.dropped}}\n\n`);
          stream.dropped = 0;
        }
        stream.blocked = !stream.write(batch);
      }
    }
  }
}

/** Streams with equal signatures get the same events, byte for byte. */
function signature(f: StreamFilter): string {
  return JSON.stringify([f.keyId ?? null, f.trunk ?? null, f.types ? [...f.types].sort() : null, f.hideNumbers === true]);
}

function frame(event: LiveEvent, hideNumber: boolean): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(hideNumber ? { ...event, to: undefined } : event)}\n\n`;
}
