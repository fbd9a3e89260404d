import type { Logger } from 'pino';
import type { FraudGuardConfig } from '../config/fraud-schema';
import { AppError } from '../lib/errors';
import type { FraudBlock, FraudStore } from './port';

/** Buckets per window: the window slides by one bucket. */
const BUCKETS = 12;

export interface FraudGuardOptions {
  store: FraudStore;
  settings: FraudGuardConfig;
  /** The engine clock (the test clock moves it). */
  now: () => number;
  logger: Logger;
  /** This engine placed a block (metrics, the operator alert); once per block across engines. */
  onBlock?: (block: FraudBlock) => void;
  /**
   * A block ended: lifted through the admin API, or expired (seen by the engine that removed it:
   * once across engines). `block` is what this engine knew of it (undefined: not yet read).
   */
  onUnblock?: (prefix: string, reason: UnblockReason, block: FraudBlock | undefined) => void;
}

export type UnblockReason = 'lifted' | 'expired';

/** A block as GET /v1/admin/fraud/blocks shows it. */
export interface FraudBlockView {
  prefix: string;
  blocked_at: string;
  until: string;
  started: number;
  verified: number;
  conversion: number;
}

/** A block as the admin API and the operator alert show it. */
export function blockView(b: FraudBlock): FraudBlockView {
  return {
    prefix: b.prefix,
    blocked_at: new Date(b.at).toISOString(),
    until: new Date(b.until).toISOString(),
    started: b.started,
    verified: b.verified,
    conversion: b.started === 0 ? 0 : Math.round((b.verified / b.started) * 10_000) / 10_000,
  };
}

/**
 * The fraud guard: counts started and verified verifications per destination prefix in time
 * buckets (by the verification's creation time, so an approval lands with its start), judges
 * the prefixes it saw in a background loop over the window minus the grace period, and blocks a
 * prefix with at least `minStarts` starts converting below `minConversion`. The request path
 * only reads an in-memory set of blocks ({@link check}) and appends counts without waiting;
 * the store (Redis with several engines) is read in the loop, which also picks up blocks placed
 * or lifted by other engines.
 */
export class FraudGuard {
  private readonly bucketMs: number;
  private blocked = new Map<string, FraudBlock>();
  private readonly seen = new Set<string>();
  private pending: Promise<unknown>[] = [];

  constructor(private readonly opts: FraudGuardOptions) {
    this.bucketMs = Math.max(1000, Math.floor((opts.settings.windowSeconds * 1000) / BUCKETS));
  }

  prefixOf(e164: string): string {
    return e164.replace(/^\+/, '').slice(0, this.opts.settings.prefixDigits);
  }

  /** Throws DESTINATION_BLOCKED when `to`'s prefix is blocked now. In memory; never waits. */
  check(to: string): void {
    const prefix = this.prefixOf(to);
    const block = this.blocked.get(prefix);
    if (!block) return;
    const now = this.opts.now();
    if (block.until <= now) return;
    throw new AppError('DESTINATION_BLOCKED', { details: { prefix, retry_after_seconds: Math.ceil((block.until - now) / 1000) } });
  }

  /** Counts a start or an approval (not awaited by the caller: a store error only loses a count). */
  note(kind: 'started' | 'verified', to: string, createdAt: number): void {
    const prefix = this.prefixOf(to);
    this.seen.add(prefix);
    const keepMs = this.opts.settings.windowSeconds * 1000 + 2 * this.bucketMs;
    const write = this.opts.store.count(prefix, Math.floor(createdAt / this.bucketMs), kind, keepMs).catch((err: unknown) => {
      this.opts.logger.debug({ err: { message: err instanceof Error ? err.message : String(err) } }, 'fraud guard could not count');
    });
    this.pending.push(write);
    if (this.pending.length > 1000) this.pending = this.pending.slice(-100);
  }

  /** Judges the prefixes seen in the window and re-reads the blocks (the loop, and the test clock's tick). */
  async evaluate(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    const { settings } = this.opts;
    const now = this.opts.now();
    const last = Math.floor((now - settings.graceSeconds * 1000) / this.bucketMs) - 1;
    const first = Math.floor((now - settings.windowSeconds * 1000) / this.bucketMs);
    await this.refresh(now);
    const prefixes = new Set([...this.seen, ...(await this.opts.store.active(first))]);
    this.seen.clear();
    for (const prefix of prefixes) {
      if (this.blocked.has(prefix) || last < first) continue;
      const counts = await this.opts.store.window(prefix, first, last);
      if (counts.started < settings.minStarts || counts.verified / counts.started >= settings.minConversion) continue;
      const block: FraudBlock = { prefix, at: now, until: now + settings.blockSeconds * 1000, ...counts };
      // placed by another engine meanwhile: that one alerts; this one reads it at its next refresh
      if (!(await this.opts.store.block(block))) continue;
      this.blocked.set(prefix, block);
      this.opts.onBlock?.(block);
      // The alert: operators watch for this line (and pbxverify_fraud_blocks_total).
      this.opts.logger.warn({ prefix, started: counts.started, verified: counts.verified, blockSeconds: settings.blockSeconds }, 'fraud guard blocked a destination prefix: high volume, conversion collapsed');
    }
  }

  async list(): Promise<FraudBlockView[]> {
    const now = this.opts.now();
    await this.refresh(now);
    return [...this.blocked.values()].sort((a, b) => a.prefix.localeCompare(b.prefix)).map(blockView);
  }

  /** Lifts a block now (every engine drops it at its next refresh). */
  async lift(prefix: string): Promise<void> {
    const lifted = await this.opts.store.lift(prefix);
    const known = this.blocked.get(prefix);
    this.blocked.delete(prefix);
    if (!lifted && !known) throw new AppError('FRAUD_BLOCK_NOT_FOUND', { details: { prefix } });
    // lifted by another engine (or expired there) just before: that one told the operator
    if (lifted) this.ended(prefix, 'lifted', known);
  }

  /** Blocks in force now, as a gauge reads them. */
  blockedCount(): number {
    const now = this.opts.now();
    return [...this.blocked.values()].filter((b) => b.until > now).length;
  }

  private async refresh(now: number): Promise<void> {
    const next = new Map<string, FraudBlock>();
    for (const block of await this.opts.store.blocks()) {
      if (block.until > now) next.set(block.prefix, block);
      else if (await this.opts.store.lift(block.prefix)) this.ended(block.prefix, 'expired', block);
    }
    this.blocked = next;
  }

  /** A block ended: the alert (operators watch for this line, and the webhook). */
  private ended(prefix: string, reason: UnblockReason, block: FraudBlock | undefined): void {
    this.opts.logger.warn({ prefix, reason }, reason === 'lifted' ? 'fraud guard block lifted' : 'fraud guard block expired');
    this.opts.onUnblock?.(prefix, reason, block);
  }
}
