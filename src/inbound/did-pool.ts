import { AppError } from '../lib/errors';
import type { LineClaims } from '../routing/flash-caller-ids';

/** The line a DID and the user number that will call it hold (same name as the domain's, src/verification/caller-id-steps.ts). */
export const missedCallLine = (callTo: string, from: string): string => `mc:${callTo}:${from}`;

/**
 * The missed-call DIDs by country (`missedCall.numbers`). A pending verification claims one DID
 * for its user number: the user may have pending verifications of several keys, each on its own
 * DID, so that the call says which one it proves. A DID without countries serves every country,
 * after the DIDs of the user's own country.
 */
export class DidPool {
  private readonly byCountry = new Map<string, string[]>();
  private readonly anywhere: string[] = [];
  /** DID (digits, no +) → its E.164 spelling and country, for inbound calls. */
  private readonly dids = new Map<string, { number: string; country: string | undefined }>();

  constructor(
    numbers: ReadonlyArray<{ number: string; countries?: readonly string[] | undefined }>,
    private readonly lines: LineClaims,
    countryOf: (e164: string) => string | undefined,
  ) {
    for (const { number, countries } of numbers) {
      this.dids.set(number.slice(1), { number, country: countryOf(number) });
      if (!countries) this.anywhere.push(number);
      for (const c of countries ?? []) this.byCountry.set(c, [...(this.byCountry.get(c) ?? []), number]);
    }
  }

  get size(): number {
    return this.dids.size;
  }

  /** The DID an inbound call was made to (any spelling with or without +, or national with its own prefix); undefined when it is not ours. */
  lookup(dialed: string): { number: string; country: string | undefined } | undefined {
    const digits = dialed.replace(/^\+/, '');
    return this.dids.get(digits);
  }

  async claim(to: string, country: string | undefined, owner: string, ttlMs: number): Promise<string> {
    const candidates = [...(country === undefined ? [] : (this.byCountry.get(country) ?? [])), ...this.anywhere];
    if (candidates.length === 0) throw new AppError('NO_ROUTE', { message: 'No missed-call number serves this country', details: { field: 'to', channels: ['missed_call'] } });
    for (const did of candidates) {
      if (await this.lines.claimLine(missedCallLine(did, to), owner, Math.max(1_000, ttlMs))) return did;
    }
    throw new AppError('MISSED_CALL_POOL_EXHAUSTED', { details: { field: 'to', numbers: candidates.length } });
  }

  async release(callTo: string, to: string, owner: string): Promise<void> {
    await this.lines.releaseLine(missedCallLine(callTo, to), owner);
  }
}
