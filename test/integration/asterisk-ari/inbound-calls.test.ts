import pino from 'pino';
import { DidPool } from '../../../src/inbound/did-pool';
import { InboundCalls, type InboundResult } from '../../../src/inbound/inbound-calls';
import type { AriPbx } from '../../../src/pbx/asterisk-ari/ari-pbx';
import type { InboundCall } from '../../../src/pbx/port';
import { MemoryStore } from '../../../src/store/memory/memory-store';
import type { FakeAri } from '../../fakes/ari/fake-ari';
import { fakeAndDriver } from '../../fakes/ari/harness';

/** Missed-call calls entering Stasis through [pbxverify-inbound], on the fake ARI (recording pjsip-inbound-sipp-uac). */
const DID = '+12025550190';
const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig;info=<https://cert.example/x.pem>;alg=ES256;ppt=shaken`;

describe('inbound calls over ARI', () => {
  let fake: FakeAri;
  let pbx: AriPbx;
  const seen: InboundCall[] = [];
  const results: InboundResult[] = [];
  const approved: Array<{ id: string; attestation: string | undefined }> = [];
  const store = new MemoryStore();

  beforeAll(async () => {
    ({ fake, pbx } = await fakeAndDriver());
    const pool = new DidPool([{ number: DID }], store, () => 'US');
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
    pbx.onInbound((call) => {
      seen.push(call);
      void handler.handle(call);
    });
    await pool.claim('+12025550114', 'US', 'verification-1', 60_000);
  });
  afterAll(async () => {
    await pbx.stop();
    await fake.stop();
    await store.close();
  });

  const app = (): string => fake.connectedApps()[0] as string;
  /** The handler counts a call once its refusal and approval are both done: the result after the n-th call. */
  const resultOf = async (n: number): Promise<InboundResult | undefined> => {
    for (let i = 0; i < 100 && results.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return results[n - 1];
  };

  it('hands the call over with its DID, raw caller number and attestation, approves the match and refuses the call busy', async () => {
    const reason = await fake.placeInbound({ app: app(), exten: '12025550190', caller: '2025550114', identity: jwt({ attest: 'A', orig: { tn: '12025550114' } }), pai: '<sip:+12025550114@carrier;verstat=TN-Validation-Passed>' });
    expect(reason).toBe('busy');
    expect(seen.at(-1)).toMatchObject({ did: '12025550190', from: '2025550114', withheld: false, attestation: 'A' });
    expect(approved).toEqual([{ id: 'verification-1', attestation: 'A' }]);
    expect(await resultOf(1)).toBe('verified');
  });

  it.each([
    ['the recording’s non-numeric From user', { caller: 'sipp' }, 'malformed'],
    ['a withheld caller', { caller: '2025550114', pres: 'prohib_passed_screen' }, 'anonymous'],
    ['a number with no pending verification', { caller: '+12025550115' }, 'no-match'],
    ['a failed STIR/SHAKEN verification, recorded as no attestation', { caller: '+12025550199', pai: '<sip:+12025550199@c;verstat=TN-Validation-Failed>' }, 'no-match'],
  ])('refuses %s busy without approving anything', async (_label, call, result) => {
    const before = approved.length;
    const n = results.length + 1;
    const reason = await fake.placeInbound({ app: app(), exten: '12025550190', ...call });
    expect(reason).toBe('busy');
    expect(await resultOf(n)).toBe(result);
    expect(approved).toHaveLength(before);
  });
});
