import pino from 'pino';
import { DidPool } from '../../src/inbound/did-pool';
import { InboundCalls, type InboundResult } from '../../src/inbound/inbound-calls';
import type { InboundCall, Pbx } from '../../src/pbx/port';
import { MemoryStore } from '../../src/store/memory/memory-store';

/**
 * The engine side of missed-call verification on a driver: the real DID pool and handler on a
 * memory store, with the approvals and results recorded. One verification holds `did` for `from`.
 */
export async function inboundRig(pbx: Pick<Pbx, 'onInbound'>, did: string, pending: { from: string; id: string }) {
  const store = new MemoryStore();
  const seen: InboundCall[] = [];
  const results: InboundResult[] = [];
  const approved: Array<{ id: string; attestation: string | undefined }> = [];
  const pool = new DidPool([{ number: did }], store, () => 'US');
  const handler = new InboundCalls({
    pool,
    lineOwner: (line) => store.lineOwner(line),
    approve: async (id, proof) => {
      approved.push({ id, attestation: proof.attestation });
      return true;
    },
    reject: 'busy',
    requireAttestationA: false,
    count: (result) => results.push(result),
    logger: pino({ level: 'silent' }),
    now: Date.now,
  });
  pbx.onInbound?.((call) => {
    seen.push(call);
    void handler.handle(call);
  });
  await pool.claim(pending.from, 'US', pending.id, 60_000);
  return {
    seen,
    approved,
    /** The handler counts a call once its refusal and approval are both done: the result of the n-th call. */
    async resultOf(n: number): Promise<InboundResult | undefined> {
      for (let i = 0; i < 200 && results.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      return results[n - 1];
    },
    get count(): number {
      return results.length;
    },
    close: () => store.close(),
  };
}

/** A PASSporT-shaped Identity header claiming `claims` (unsigned: the PBX verified it, the engine reads the level). */
export const identityHeader = (claims: object): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig;info=<https://cert.example/x.pem>;alg=ES256;ppt=shaken`;
