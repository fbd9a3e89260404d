import type { AriPbx } from '../../../src/pbx/asterisk-ari/ari-pbx';
import type { FakeAri } from '../../fakes/ari/fake-ari';
import { fakeAndDriver } from '../../fakes/ari/harness';
import { identityHeader, inboundRig } from '../../support/inbound-rig';

/** Missed-call calls entering Stasis through [pbxverify-inbound], on the fake ARI (recording pjsip-inbound-sipp-uac). */
const DID = '+12025550190';

describe('inbound calls over ARI', () => {
  let fake: FakeAri;
  let pbx: AriPbx;
  let rig: Awaited<ReturnType<typeof inboundRig>>;

  beforeAll(async () => {
    ({ fake, pbx } = await fakeAndDriver());
    rig = await inboundRig(pbx, DID, { from: '+12025550114', id: 'verification-1' });
  });
  afterAll(async () => {
    await pbx.stop();
    await fake.stop();
    await rig.close();
  });

  const app = (): string => fake.connectedApps()[0] as string;

  it('hands the call over with its DID, raw caller number and attestation, approves the match and refuses the call busy', async () => {
    const reason = await fake.placeInbound({ app: app(), exten: '12025550190', caller: '2025550114', identity: identityHeader({ attest: 'A', orig: { tn: '12025550114' } }), pai: '<sip:+12025550114@carrier;verstat=TN-Validation-Passed>' });
    expect(reason).toBe('busy');
    expect(rig.seen.at(-1)).toMatchObject({ did: '12025550190', from: '2025550114', withheld: false, attestation: 'A' });
    expect(await rig.resultOf(1)).toBe('verified');
    expect(rig.approved).toEqual([{ id: 'verification-1', attestation: 'A' }]);
  });

  it.each([
    ['the recording’s non-numeric From user', { caller: 'sipp' }, 'malformed'],
    ['a withheld caller', { caller: '2025550114', pres: 'prohib_passed_screen' }, 'anonymous'],
    ['a number with no pending verification', { caller: '+12025550115' }, 'no-match'],
    ['a caller whose STIR/SHAKEN verification failed', { caller: '+12025550199', pai: '<sip:+12025550199@c;verstat=TN-Validation-Failed>' }, 'no-match'],
  ])('refuses %s busy without approving anything', async (_label, call, result) => {
    const before = rig.approved.length;
    const n = rig.count + 1;
    expect(await fake.placeInbound({ app: app(), exten: '12025550190', ...call })).toBe('busy');
    expect(await rig.resultOf(n)).toBe(result);
    expect(rig.approved).toHaveLength(before);
  });
});
