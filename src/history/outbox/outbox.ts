import type { HistoryEvent } from '../port';

export interface OutboxEntry {
  id: string;
  event: HistoryEvent;
}

/**
 * Where history events wait for the writer. Appending never touches the history database.
 * Entries claimed and not acknowledged come back (to this writer, or to another engine's once
 * the claim lapses), so a writer that dies loses nothing; the history's upserts make the
 * redelivery harmless.
 */
export interface HistoryOutbox {
  readonly kind: string;
  append(events: readonly HistoryEvent[]): Promise<void>;
  /** Up to `limit` entries to write, oldest first. */
  claim(limit: number): Promise<OutboxEntry[]>;
  /** The entries are in the history: forget them. */
  ack(ids: readonly string[]): Promise<void>;
  /** Entries not yet written. */
  backlog(): Promise<number>;
  /** Entries dropped because the in-process backlog was full (memory only). */
  dropped(): number;
}

/**
 * The in-process outbox (memory store): a bounded queue. A process that dies loses what it
 * holds, as it loses its memory store; a full queue drops the oldest entries and counts them.
 */
export class MemoryOutbox implements HistoryOutbox {
  readonly kind = 'memory';
  private queue: OutboxEntry[] = [];
  private head = 0;
  private seq = 0;
  private droppedCount = 0;

  constructor(private readonly maxEntries = 1_000_000) {}

  append(events: readonly HistoryEvent[]): Promise<void> {
    for (const event of events) this.queue.push({ id: String(++this.seq), event });
    const excess = this.queue.length - this.head - this.maxEntries;
    if (excess > 0) {
      this.head += excess;
      this.droppedCount += excess;
      this.compact();
    }
    return Promise.resolve();
  }

  claim(limit: number): Promise<OutboxEntry[]> {
    return Promise.resolve(this.queue.slice(this.head, this.head + limit));
  }

  ack(ids: readonly string[]): Promise<void> {
    // One writer per process: acknowledged entries are the oldest ones.
    const done = new Set(ids);
    while (this.head < this.queue.length && done.has((this.queue[this.head] as OutboxEntry).id)) this.head++;
    this.compact();
    return Promise.resolve();
  }

  backlog(): Promise<number> {
    return Promise.resolve(this.queue.length - this.head);
  }

  dropped(): number {
    return this.droppedCount;
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
