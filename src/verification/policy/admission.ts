import type { Logger } from 'pino';
import type { AbuseConfig } from '../../config/abuse-schema';
import type { ApiKeyConfig, ChannelName } from '../../config/schema';
import { AppError, type ErrorCode } from '../../lib/errors';
import type { PhoneNumberInfo } from '../numbers';
import { judgeDestination, usesVoice } from './destination-rules';
import { matchesAny, rangeOf } from './number-patterns';

/** Fixed-window counters (the Store's `hitChain`/`unhit` satisfy it; shared by every engine on one store). */
export interface CounterPort {
  /**
   * Hits in order, in one step: stops after the first count above its limit; a hit with
   * `ifFirst` is made only when the one before it was the first in its window (0 when skipped).
   */
  hitChain(hits: ReadonlyArray<{ counter: string; windowMs: number; limit: number; ifFirst?: boolean }>, now: number): Promise<number[]>;
  /** Takes back one hit made at `at` (never below zero; a window that has ended is left alone). */
  unhit(counter: string, windowMs: number, at: number): Promise<void>;
}

export interface AdmissionRequest {
  key: ApiKeyConfig;
  /** The number, already validated and typed (parseE164). */
  number: PhoneNumberInfo;
  /** Channels of the workflow's steps. */
  channels: ReadonlySet<ChannelName>;
  now: number;
}

/** What an admitted start holds: its place in the quotas and in the call rate. */
export interface Admitted {
  /** Gives the reservation back: the start was not placed after all (409 duplicate, store error). */
  release(): Promise<void>;
}

/** Decides whether a verification may start; throws an AppError with the refusal's code. */
export interface Admission {
  admit(request: AdmissionRequest): Promise<Admitted>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bound on remembered tripped ranges (each costs a few bytes; pruned when full). */
const MAX_TRIPPED = 10_000;
/** A chained hit that never stops the chain. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * The abuse controls every start passes (native and compat endpoints alike), before anything
 * is stored or dialled:
 * 1. destination rules (pure): do-not-call list, number type, country and range lists per channel;
 * 2. the circuit breaker, if this engine tripped it;
 * 3. per-number flood limits, then the range velocity limit (exempt numbers skip both);
 * 4. the key's own limits: quotas per hour and day, and (voice) its share of the call rate;
 * 5. the engine-wide voice rate (trips the breaker).
 * Steps 4 and 5 reserve a place in their counters; a refused start gives back what it took, and
 * so does a start the service could not place ({@link Admitted.release}): only starts admitted and
 * placed count. A key's call share is below the engine-wide rate, so one key alone meets its own
 * limit before it can trip the breaker for every key (docs/abuse-controls.md).
 * Counters are fixed windows in the store, shared by every engine on it.
 */
export class AbuseControls implements Admission {
  /** Ranges this engine saw exceed the velocity limit, until the end of that window. */
  private readonly tripped = new Map<string, number>();
  private breakerOpenUntil = 0;

  constructor(
    private readonly deps: {
      counters: CounterPort;
      config: AbuseConfig;
      onDoNotCallList: (e164: string) => boolean;
      logger: Logger;
    },
  ) {}

  async admit(request: AdmissionRequest): Promise<Admitted> {
    const { config, counters } = this.deps;
    const { key, channels, now, number } = request;
    const refusal = judgeDestination(number, channels, config, this.deps.onDoNotCallList);
    if (refusal) throw new AppError(refusal.code, refusal.details ? { details: refusal.details } : {});

    const voice = usesVoice(channels);
    if (voice && now < this.breakerOpenUntil) throw this.breakerOpen(now);

    const e164 = number.e164;
    if (!matchesAny(e164, config.exemptNumbers)) {
      // One round trip: the flood limits, then the range velocity (its range counted on a number's first request).
      const { rangeDigits, maxNumbers, windowSeconds } = config.velocity;
      const windowMs = windowSeconds * 1000;
      const range = rangeOf(e164, rangeDigits);
      const [perMinute = 0, perTen = 0, numberHits = 0, distinct = 0] = await counters.hitChain(
        [
          { counter: `flood:1m:${e164}`, windowMs: MINUTE, limit: config.flood.perMinute },
          { counter: `flood:10m:${e164}`, windowMs: 10 * MINUTE, limit: config.flood.perTenMinutes },
          { counter: `velocity:n:${e164}`, windowMs, limit: UNLIMITED },
          { counter: `velocity:r:${range}`, windowMs, limit: maxNumbers, ifFirst: true },
        ],
        now,
      );
      if (perMinute > config.flood.perMinute) throw refuse('NUMBER_FLOOD', { retry_after_seconds: secondsLeft(now, MINUTE) });
      if (perTen > config.flood.perTenMinutes) throw refuse('NUMBER_FLOOD', { retry_after_seconds: secondsLeft(now, 10 * MINUTE) });
      this.checkVelocity(range, numberHits === 1, distinct, now);
    }

    const perHour = key.quota?.perHour === undefined ? config.keyQuota.perHour : key.quota.perHour;
    const perDay = key.quota?.perDay === undefined ? config.keyQuota.perDay : key.quota.perDay;
    const limits: Limit[] = [];
    if (perHour !== null) limits.push({ counter: `quota:h:${key.id}`, windowMs: HOUR, limit: perHour, refusal: () => refuse('QUOTA_EXCEEDED', { window: 'hour', limit: perHour }) });
    if (perDay !== null) limits.push({ counter: `quota:d:${key.id}`, windowMs: DAY, limit: perDay, refusal: () => refuse('QUOTA_EXCEEDED', { window: 'day', limit: perDay }) });
    if (voice) {
      const share = keyCallLimit(config);
      limits.push({ counter: `breaker:calls:key:${key.id}`, windowMs: MINUTE, limit: share, refusal: () => refuse('QUOTA_EXCEEDED', { window: 'minute', limit: share, channel: 'voice', retry_after_seconds: secondsLeft(now, MINUTE) }) });
      limits.push({
        counter: 'breaker:calls',
        windowMs: MINUTE,
        limit: config.breaker.callsPerMinute,
        refusal: () => {
          this.breakerOpenUntil = now + config.breaker.openSeconds * 1000;
          this.deps.logger.error({ limit: config.breaker.callsPerMinute, openSeconds: config.breaker.openSeconds }, 'call rate breaker tripped');
          return this.breakerOpen(now);
        },
      });
    }
    // One round trip for the key's limits; a refused start gives back every hit it took.
    const held = new Reservation(counters, now);
    const over = await held.take(limits);
    if (over) {
      await held.release();
      throw over.refusal();
    }
    return held;
  }

  /**
   * Counts distinct numbers per range: a number's first request in the window adds one to its
   * range. Fixed-window counters cannot be read without counting, so a range seen over the limit
   * is remembered here until its window ends, which also refuses repeats of numbers already
   * counted (an engine that did not see the trip lets a repeat through; flood limits still apply).
   */
  private checkVelocity(range: string, firstInWindow: boolean, distinct: number, now: number): void {
    const { rangeDigits, maxNumbers, windowSeconds } = this.deps.config.velocity;
    const windowMs = windowSeconds * 1000;
    if (firstInWindow) {
      if (distinct <= maxNumbers) return;
      // A range is a block of numbers (the last digits cut), not anyone's number: the operator
      // needs it to add a deny prefix.
      if (!this.tripped.has(range)) this.deps.logger.warn({ range: `${range}${'X'.repeat(rangeDigits)}`, limit: maxNumbers }, 'number range velocity exceeded');
      this.remember(range, (Math.floor(now / windowMs) + 1) * windowMs, now);
      throw refuse('RANGE_VELOCITY', { retry_after_seconds: secondsLeft(now, windowMs) });
    }
    const until = this.tripped.get(range);
    if (until !== undefined && now < until) throw refuse('RANGE_VELOCITY', { retry_after_seconds: Math.ceil((until - now) / 1000) });
  }

  private remember(range: string, until: number, now: number): void {
    if (this.tripped.size >= MAX_TRIPPED) {
      for (const [r, end] of this.tripped) if (end <= now) this.tripped.delete(r);
      if (this.tripped.size >= MAX_TRIPPED) this.tripped.delete(this.tripped.keys().next().value as string);
    }
    this.tripped.set(range, until);
  }

  private breakerOpen(now: number): AppError {
    return refuse('CIRCUIT_OPEN', { retry_after_seconds: Math.max(1, Math.ceil((this.breakerOpenUntil - now) / 1000)) });
  }
}

/** The calls per minute one key may place: its share of the engine-wide rate (never above it). */
export function keyCallLimit(config: AbuseConfig): number {
  return Math.max(1, Math.floor(config.breaker.callsPerMinute * config.breaker.perKeyShare));
}

/** A limit a start reserves a place in; `refusal` makes the error (and its side effects) when over. */
interface Limit {
  counter: string;
  windowMs: number;
  limit: number;
  refusal: () => AppError;
}

/** Counter hits taken for one start, given back together when it is refused or not placed. */
class Reservation implements Admitted {
  private readonly taken: Array<[string, number]> = [];

  constructor(
    private readonly counters: CounterPort,
    private readonly at: number,
  ) {}

  /** Hits the limits in order (stopping at the first one over); returns that one, if any. */
  async take(limits: readonly Limit[]): Promise<Limit | undefined> {
    if (limits.length === 0) return undefined;
    const counts = await this.counters.hitChain(limits, this.at);
    for (const [i, count] of counts.entries()) {
      const limit = limits[i] as Limit;
      this.taken.push([limit.counter, limit.windowMs]);
      if (count > limit.limit) return limit;
    }
    return undefined;
  }

  async release(): Promise<void> {
    const taken = this.taken.splice(0);
    await Promise.all(taken.map(([counter, windowMs]) => this.counters.unhit(counter, windowMs, this.at)));
  }
}

function refuse(code: ErrorCode, details: Record<string, unknown>): AppError {
  return new AppError(code, { details });
}

/** Seconds until the current fixed window of `windowMs` ends. */
function secondsLeft(now: number, windowMs: number): number {
  return Math.max(1, Math.ceil(((Math.floor(now / windowMs) + 1) * windowMs - now) / 1000));
}
