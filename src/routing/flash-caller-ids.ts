import { AppError } from '../lib/errors';
import { FlashCodes } from './flash-codes';
import type { Trunk } from './route-table';
import type { Router } from './router';

/** The store's line claims (src/store/port.ts), as flash calls use them. */
export interface LineClaims {
  claimLine(line: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLine(line: string, owner: string): Promise<void>;
}

export interface FlashSettings {
  /** Fewest distinct codes of the requested length a pool must give. */
  minCodes: number;
  capMs: number;
  /** Caller IDs without explicit routing (`flashCall.callerIds` / `callerIdRange`, or the simulator's demo range). */
  fallback: FlashCodes | undefined;
}

/** The codes a trunk offers flash calls: its range when it has one, else its caller-ID pool. */
export function trunkFlashCodes(trunk: Pick<Trunk, 'callerIdRange' | 'pool'>): FlashCodes | undefined {
  if (trunk.callerIdRange !== undefined) return FlashCodes.ofRange(trunk.callerIdRange);
  return trunk.pool ? FlashCodes.ofPool(trunk.pool.numbers) : undefined;
}

/**
 * Flash-call caller IDs: the source serving a number (the first trunk of the route for
 * `flash_call`, or `flashCall:` without explicit routing), and a claim in the store per caller
 * ID and destination, so that two pending flash calls to one number never show the same caller
 * ID (on every engine sharing the store).
 */
export class FlashCallerIds {
  readonly capMs: number;

  constructor(
    private readonly router: Router,
    private readonly lines: LineClaims,
    private readonly settings: FlashSettings,
  ) {
    this.capMs = settings.capMs;
  }

  plan(to: string, codeLength: number): { prefix: string } {
    const codes = this.sourceFor(to);
    if (!codes) throw new AppError('NO_ROUTE', { details: { field: 'to', channels: ['flash_call'] } });
    const capacity = codes.capacity(codeLength);
    if (capacity < this.settings.minCodes) {
      throw new AppError('CODE_LENGTH_INVALID', {
        message: 'The flash-call pool serving this number gives too few codes of that length',
        details: { field: 'code_length', channel: 'flash_call', codes: capacity, min_codes: this.settings.minCodes },
      });
    }
    return { prefix: codes.prefix(codeLength) };
  }

  async allocate(to: string, codeLength: number, owner: string, ttlMs: number): Promise<{ callerId: string; code: string } | undefined> {
    const codes = this.sourceFor(to);
    if (!codes) return undefined;
    for (const candidate of codes.candidates(codeLength)) {
      if (await this.lines.claimLine(flashLine(to, candidate.callerId), owner, ttlMs)) return candidate;
    }
    return undefined;
  }

  async release(to: string, callerId: string, owner: string): Promise<void> {
    await this.lines.releaseLine(flashLine(to, callerId), owner);
  }

  private sourceFor(to: string): FlashCodes | undefined {
    const decision = this.router.decide(to, 'flash_call');
    const first = decision?.route.ordered[0];
    if (!decision || !first) return undefined;
    if (first.implicit) return this.settings.fallback;
    return trunkFlashCodes(first);
  }
}

/** The same line name as the domain's (src/verification/caller-id-steps.ts). */
function flashLine(to: string, callerId: string): string {
  return `fc:${to}:${callerId}`;
}
