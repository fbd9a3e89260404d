import { randomInt } from 'node:crypto';

/**
 * Where a flash call's caller IDs come from, and what codes they carry: a pool of numbers whose
 * last N digits are the codes, or a range (`+4420376900XXXX`) the trunk lets the engine fill.
 * Pure; built once per configuration.
 */
export class FlashCodes {
  private readonly pool: readonly string[] | undefined;
  private readonly fixed: string | undefined;
  private readonly free: number;

  private constructor(source: { numbers: readonly string[] } | { range: string }) {
    if ('range' in source) {
      this.fixed = source.range.replace(/X+$/, '');
      this.free = source.range.length - this.fixed.length;
      this.pool = undefined;
    } else {
      this.pool = [...new Set(source.numbers)];
      this.fixed = undefined;
      this.free = 0;
    }
  }

  static ofPool(numbers: readonly string[]): FlashCodes {
    return new FlashCodes({ numbers });
  }

  static ofRange(range: string): FlashCodes {
    if (!/^\+[1-9][0-9]*X+$/.test(range)) throw new RangeError('flash range: + digits then X');
    return new FlashCodes({ range });
  }

  get kind(): 'pool' | 'range' {
    return this.pool ? 'pool' : 'range';
  }

  /** Distinct codes of `length` digits this source can present (a pool: distinct last digits). */
  capacity(length: number): number {
    if (this.pool) return new Set(this.pool.map((n) => n.slice(-length))).size;
    return length <= this.free ? 10 ** length : 0;
  }

  /**
   * What every caller ID of a code of `length` digits starts with: the range's fixed digits (and
   * the filler before the code), or the longest prefix the pool's numbers share before their code.
   */
  prefix(length: number): string {
    if (!this.pool) return `${this.fixed as string}${'0'.repeat(Math.max(0, this.free - length))}`;
    const heads = this.pool.map((n) => n.slice(0, n.length - length));
    let common = heads[0] ?? '';
    for (const head of heads) {
      let i = 0;
      while (i < common.length && i < head.length && common[i] === head[i]) i++;
      common = common.slice(0, i);
    }
    return common;
  }

  /** Can a call present `callerId` (in the pool, or in the range)? */
  canPresent(callerId: string): boolean {
    if (this.pool) return this.pool.includes(callerId);
    return callerId.length === (this.fixed as string).length + this.free && callerId.startsWith(this.fixed as string) && /^\+[0-9]+$/.test(callerId);
  }

  /**
   * Caller IDs to try for a code of `length` digits, in random order, one per distinct code (the
   * first free one is taken). A range yields up to `tries` random codes.
   */
  *candidates(length: number, tries = 32): Generator<{ callerId: string; code: string }> {
    if (this.pool) {
      const seen = new Set<string>();
      const order = [...this.pool];
      for (let i = order.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [order[i], order[j]] = [order[j] as string, order[i] as string];
      }
      for (const callerId of order) {
        const code = callerId.slice(-length);
        if (seen.has(code)) continue;
        seen.add(code);
        yield { callerId, code };
      }
      return;
    }
    if (length > this.free) return;
    const head = this.prefix(length);
    for (let i = 0; i < tries; i++) {
      const code = String(randomInt(10 ** length)).padStart(length, '0');
      yield { callerId: `${head}${code}`, code };
    }
  }
}
