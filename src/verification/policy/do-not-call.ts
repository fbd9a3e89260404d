/** Where a do-not-call list is kept between runs (src/lib/number-list-file.ts: a text file). */
export interface NumberListStore {
  /** The stored numbers, or undefined when unchanged since the last load (cheap polling). */
  load(): Promise<string[] | undefined>;
  save(numbers: readonly string[]): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Numbers never called or texted, whoever asks (seed 002's "DoNotCall list"). In memory for
 * the hot path; persisted through an optional {@link NumberListStore} and re-read periodically
 * so engines sharing one file converge.
 */
export class DoNotCallList {
  private numbers = new Set<string>();
  /** Reloads and changes run one at a time, so a reload never undoes a change being saved. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store?: NumberListStore) {}

  has(e164: string): boolean {
    return this.numbers.has(e164);
  }

  size(): number {
    return this.numbers.size;
  }

  list(): string[] {
    return [...this.numbers].sort();
  }

  /** Re-reads the store (no-op without one, or when it did not change). Returns the size. */
  reload(): Promise<number> {
    return this.serial(async () => {
      const loaded = await this.store?.load();
      if (loaded !== undefined) this.numbers = new Set(loaded.filter((n) => E164.test(n)));
      return this.numbers.size;
    });
  }

  /** Adds numbers (already validated E.164) and persists; returns how many were new. */
  add(numbers: readonly string[]): Promise<number> {
    return this.serial(async () => {
      const before = this.numbers.size;
      for (const n of numbers) if (E164.test(n)) this.numbers.add(n);
      const added = this.numbers.size - before;
      if (added > 0) await this.store?.save(this.list());
      return added;
    });
  }

  /** Removes numbers and persists; returns how many were listed. */
  remove(numbers: readonly string[]): Promise<number> {
    return this.serial(async () => {
      let removed = 0;
      for (const n of numbers) if (this.numbers.delete(n)) removed++;
      if (removed > 0) await this.store?.save(this.list());
      return removed;
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
