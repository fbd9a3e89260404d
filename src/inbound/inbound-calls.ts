import type { Logger } from 'pino';
import { maskNumber } from '../lib/mask';
import type { InboundCall } from '../pbx/port';
import { normaliseCaller } from './caller-number';
import { missedCallLine, type DidPool } from './did-pool';

export type InboundResult = 'verified' | 'no-match' | 'anonymous' | 'malformed' | 'attestation' | 'not-ours';

export interface InboundDeps {
  pool: DidPool;
  /** The store's line lookup (O(1) by DID and caller). */
  lineOwner(line: string): Promise<string | undefined>;
  /** Approves the verification (VerificationService.approveByCall); false when it is no longer pending. */
  approve(id: string, proof: { at: number; attestation?: 'A' | 'B' | 'C' | undefined }): Promise<boolean>;
  reject: 'busy' | 'decline';
  requireAttestationA: boolean;
  count(result: InboundResult): void;
  logger: Logger;
  now(): number;
}

/**
 * Missed-call verification, the engine side: a call to one of our DIDs is matched by its caller
 * number to the pending verification holding that DID for that number, and always rejected
 * unanswered. No match, a withheld or malformed number, or a missing attestation the policy
 * requires: rejected, nothing changes, the metric counts it. Logs never carry the number.
 */
export class InboundCalls {
  constructor(private readonly deps: InboundDeps) {}

  async handle(call: InboundCall): Promise<InboundResult> {
    const result = await this.judge(call).catch((err: unknown) => {
      this.deps.logger.error({ err, callId: call.id }, 'inbound call not judged');
      return 'no-match' as const;
    });
    this.deps.count(result);
    return result;
  }

  private async judge(call: InboundCall): Promise<InboundResult> {
    const { deps } = this;
    const reject = (): Promise<void> => call.reject(deps.reject);
    const did = deps.pool.lookup(call.did);
    if (!did) return this.refuse(call, 'not-ours');
    if (call.withheld) return this.refuse(call, 'anonymous');
    const from = normaliseCaller(call.from, did.country);
    if (from === undefined) return this.refuse(call, /^\s*(anonymous|unknown|restricted|private)?\s*$/i.test(call.from) ? 'anonymous' : 'malformed');
    if (deps.requireAttestationA && call.attestation !== 'A') return this.refuse(call, 'attestation');
    const owner = await deps.lineOwner(missedCallLine(did.number, from));
    if (owner === undefined) return this.refuse(call, 'no-match');
    const attestation = call.attestation === 'failed' ? undefined : call.attestation;
    // rejected and approved together: the caller hears busy while the verification is written
    const [approved] = await Promise.all([deps.approve(owner, { at: call.at, attestation }), reject()]);
    deps.logger.info({ callId: call.id, did: maskNumber(did.number), verified: approved }, 'missed call');
    return approved ? 'verified' : 'no-match';
  }

  private async refuse(call: InboundCall, result: InboundResult): Promise<InboundResult> {
    await call.reject(this.deps.reject);
    this.deps.logger.info({ callId: call.id, result }, 'inbound call refused');
    return result;
  }
}
