import type { FraudBlock, FraudCounts, FraudStore } from './port';

/** One engine's fraud counters and blocks (the memory store). */
export class MemoryFraudStore implements FraudStore {
  private readonly counts = new Map<string, Map<number, FraudCounts>>();
  private readonly latest = new Map<string, number>();
  private readonly blocked = new Map<string, FraudBlock>();

  count(prefix: string, bucket: number, field: keyof FraudCounts): Promise<void> {
    let buckets = this.counts.get(prefix);
    if (!buckets) this.counts.set(prefix, (buckets = new Map<number, FraudCounts>()));
    const counts = buckets.get(bucket) ?? { started: 0, verified: 0 };
    counts[field]++;
    buckets.set(bucket, counts);
    this.latest.set(prefix, Math.max(bucket, this.latest.get(prefix) ?? bucket));
    return Promise.resolve();
  }

  window(prefix: string, from: number, to: number): Promise<FraudCounts> {
    const sum = { started: 0, verified: 0 };
    for (const [bucket, counts] of this.counts.get(prefix) ?? []) {
      if (bucket < from || bucket > to) continue;
      sum.started += counts.started;
      sum.verified += counts.verified;
    }
    return Promise.resolve(sum);
  }

  active(since: number): Promise<string[]> {
    const found: string[] = [];
    for (const [prefix, latest] of this.latest) {
      if (latest >= since) {
        found.push(prefix);
        continue;
      }
      this.latest.delete(prefix);
      this.counts.delete(prefix);
    }
    for (const buckets of this.counts.values()) for (const bucket of [...buckets.keys()]) if (bucket < since) buckets.delete(bucket);
    return Promise.resolve(found);
  }

  block(block: FraudBlock): Promise<boolean> {
    if (this.blocked.has(block.prefix)) return Promise.resolve(false);
    this.blocked.set(block.prefix, { ...block });
    return Promise.resolve(true);
  }

  blocks(): Promise<FraudBlock[]> {
    return Promise.resolve([...this.blocked.values()].map((b) => ({ ...b })));
  }

  lift(prefix: string): Promise<boolean> {
    this.counts.delete(prefix);
    this.latest.delete(prefix);
    return Promise.resolve(this.blocked.delete(prefix));
  }
}
