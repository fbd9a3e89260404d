import { AppError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { Store } from '../store/port';
import type { VerificationRecord } from './model';

const MAX_CAS_RETRIES = 16;

/**
 * Writes verification records with compare-and-set, so several engines can share one store:
 * a change is applied to the latest version and written only if nobody wrote in between.
 */
export class RecordWriter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** How long finished verifications stay readable. */
    private readonly retentionMs: number,
  ) {}

  /**
   * Compare-and-set loop: reads the record, applies `change`, writes if nobody else wrote in
   * between, retries otherwise. `change` returning undefined means "nothing to do".
   *
   * `known`: the version this engine wrote last (an attempt's end follows its start): the first
   * try applies `change` to it and writes without reading; the compare-and-set refuses it if
   * anyone wrote since, and the loop then reads as usual. The result is the same as with a read.
   */
  async mutate(
    id: string,
    change: (record: VerificationRecord) => VerificationRecord | undefined,
    known?: VerificationRecord,
  ): Promise<{ before: VerificationRecord; after: VerificationRecord } | undefined> {
    let guess = known?.id === id ? known : undefined;
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      if (guess) {
        // A guess decides nothing by itself: "nothing to do", a refusal or a conflict reads again.
        const after = attemptChange(change, guess);
        const before = guess;
        guess = undefined;
        if (after && (await this.store.update(after, this.ttl(after, this.clock.now())))) return { before, after };
        continue;
      }
      const before = await this.store.get(id);
      if (!before) throw new AppError('VERIFICATION_NOT_FOUND');
      const after = change(before);
      if (!after) return undefined;
      if (await this.store.update(after, this.ttl(after, this.clock.now()))) return { before, after };
    }
    throw new AppError('CONFLICT_RETRY');
  }

  /** {@link mutate} for changes that always produce a new version (or throw). */
  async mutateOrThrow(
    id: string,
    change: (record: VerificationRecord) => VerificationRecord,
  ): Promise<{ before: VerificationRecord; after: VerificationRecord }> {
    const outcome = await this.mutate(id, change);
    if (!outcome) throw new AppError('INTERNAL', { message: 'change produced no record' });
    return outcome;
  }

  /** How long the store keeps a record: while pending, then `retentionMs` more. */
  ttl(record: VerificationRecord, now: number): number {
    const pendingFor = record.status === 'pending' ? Math.max(0, record.expiresAt - now) : 0;
    return pendingFor + this.retentionMs;
  }
}

/** `change` applied to a guessed version: undefined when it has nothing to do or refuses. */
function attemptChange(
  change: (record: VerificationRecord) => VerificationRecord | undefined,
  guess: VerificationRecord,
): VerificationRecord | undefined {
  try {
    return change(guess);
  } catch {
    return undefined;
  }
}
