import { randomInt } from 'node:crypto';
import { callingCodeOf, isSharedCode, numberFacts, type NumberFacts } from './number-facts';
import { PrefixTrie } from './prefix-trie';
import type { CallerIdStrategyName } from '../config/routing-schema';

/** A route's caller-ID strategy, compiled. */
export interface CallerIdStrategy {
  kind: CallerIdStrategyName;
  /** `fixed`: the number (in every trunk's pool); the pool's first otherwise. */
  number?: string | undefined;
  /** `local`: when nothing local is found; the pool's first otherwise. */
  fallback?: string | undefined;
  /** `sticky`: window in ms. */
  windowMs: number;
}

/**
 * One trunk's caller-ID pool: the only numbers ever presented on that trunk. Built once per
 * configuration: a digit trie for local presence (longest shared prefix in one walk) and the
 * pool numbers by calling code for the same-country rule.
 */
export class CallerIdPool {
  readonly numbers: readonly string[];
  private readonly members: ReadonlySet<string>;
  private readonly trie = new PrefixTrie<number>();
  private readonly byCode = new Map<string, number[]>();
  private readonly countries: ReadonlyArray<string | undefined>;
  private rotation = 0;

  constructor(numbers: readonly string[]) {
    if (numbers.length === 0) throw new RangeError('caller-ID pool: at least one number');
    this.numbers = [...numbers];
    this.members = new Set(numbers.map(digitsOf));
    numbers.forEach((n, i) => {
      // Every prefix of a pool number leads to it: the deepest node on a callee's path is the longest shared prefix.
      for (let len = 1; len <= n.length - 1; len++) this.trie.add(n.slice(1, 1 + len), i);
      const code = callingCodeOf(n);
      if (code !== undefined) this.byCode.set(code, [...(this.byCode.get(code) ?? []), i]);
    });
    this.countries = numbers.map((n) => (isSharedCode(callingCodeOf(n) ?? '') ? numberFacts(n).country : undefined));
  }

  /** True when `number` (with or without `+`) is in the pool. */
  has(number: string): boolean {
    return this.members.has(digitsOf(number));
  }

  /** The pool's own spelling of `number`. */
  canonical(number: string): string | undefined {
    const digits = digitsOf(number);
    return this.numbers.find((n) => digitsOf(n) === digits);
  }

  first(): string {
    return this.numbers[0] as string;
  }

  next(): string {
    const n = this.numbers[this.rotation % this.numbers.length] as string;
    this.rotation = (this.rotation + 1) % this.numbers.length;
    return n;
  }

  random(): string {
    return this.numbers[randomInt(this.numbers.length)] as string;
  }

  /** Deterministic per callee (every engine picks the same one without sharing state). */
  hashed(callee: string): string {
    let h = 2166136261;
    for (let i = 0; i < callee.length; i++) h = Math.imul(h ^ callee.charCodeAt(i), 16777619);
    return this.numbers[(h >>> 0) % this.numbers.length] as string;
  }

  /**
   * Local presence: the pool number sharing the longest prefix with the callee beyond the
   * calling code (same area or range), else one of the callee's country, else undefined.
   */
  local(callee: string, facts: () => NumberFacts): string | undefined {
    const code = callingCodeOf(callee);
    const best = this.trie.longest(callee, 1);
    if (best && code !== undefined && best.depth > code.length) return this.numbers[best.values[0] as number];
    if (code === undefined) return undefined;
    const sameCode = this.byCode.get(code);
    if (!sameCode) return undefined;
    if (!isSharedCode(code)) return this.numbers[sameCode[0] as number];
    const country = facts().country;
    const i = sameCode.find((k) => this.countries[k] === country);
    return i === undefined ? undefined : this.numbers[i];
  }
}

function digitsOf(number: string): string {
  return number.startsWith('+') ? number.slice(1) : number;
}

/**
 * Chooses the caller ID of one call on one trunk. A requested number (API `caller_id`) is
 * presented when it is in the trunk's pool; otherwise the route's strategy picks from the pool.
 * Sticky choices are remembered per engine for the window, and fall back to a hash of the callee
 * so that engines sharing nothing still agree.
 */
export class CallerIdChooser {
  private readonly sticky = new Map<string, { number: string; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxSticky = 100_000,
  ) {}

  choose(trunk: string, pool: CallerIdPool, strategy: CallerIdStrategy, callee: string, facts: () => NumberFacts, requested?: string): string {
    if (requested !== undefined) {
      const own = pool.canonical(requested);
      if (own !== undefined) return own;
    }
    switch (strategy.kind) {
      case 'fixed':
        return strategy.number !== undefined && pool.has(strategy.number) ? strategy.number : pool.first();
      case 'round-robin':
        return pool.next();
      case 'random':
        return pool.random();
      case 'local':
        return pool.local(callee, facts) ?? (strategy.fallback !== undefined && pool.has(strategy.fallback) ? strategy.fallback : pool.first());
      case 'sticky':
        return this.stickyFor(trunk, pool, callee, strategy.windowMs);
    }
  }

  private stickyFor(trunk: string, pool: CallerIdPool, callee: string, windowMs: number): string {
    const now = this.now();
    const key = `${trunk}|${callee}`;
    const held = this.sticky.get(key);
    if (held && held.until > now && pool.has(held.number)) return held.number;
    // Salted by the window: engines agree within a window, and a new window may pick anew.
    const number = pool.hashed(`${callee}|${Math.floor(now / windowMs)}`);
    this.sticky.delete(key);
    this.sticky.set(key, { number, until: now + windowMs });
    if (this.sticky.size > this.maxSticky) this.sticky.delete(this.sticky.keys().next().value as string);
    return number;
  }
}
