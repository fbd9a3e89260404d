import { identityHeader, inboundRig } from '../support/inbound-rig';
import { startRig, type EslRig } from '../support/esl/harness';

/** Missed-call calls parked by the pbxverify-inbound context, on the fake FreeSWITCH. */
const DID = '+12025550190';

describe('inbound calls over ESL', () => {
  let esl: EslRig;
  let rig: Awaited<ReturnType<typeof inboundRig>>;

  beforeAll(async () => {
    esl = await startRig();
    rig = await inboundRig(esl.pbx, DID, { from: '+12025550114', id: 'verification-1' });
  });
  afterAll(async () => {
    await esl.close();
    await rig.close();
  });

  it('hands over the parked call (through the event filter on pbxverify_inbound), approves the match and kills it USER_BUSY', async () => {
    const cause = await esl.fake.placeInbound({
      did: '12025550190',
      caller: '+12025550114',
      vars: { sip_verstat: 'TN-Validation-Passed', sip_h_Identity: identityHeader({ attest: 'B' }) },
    });
    expect(cause).toBe('USER_BUSY');
    expect(rig.seen.at(-1)).toMatchObject({ did: '12025550190', from: '+12025550114', withheld: false, attestation: 'B' });
    expect(await rig.resultOf(1)).toBe('verified');
    expect(rig.approved).toEqual([{ id: 'verification-1', attestation: 'B' }]);
  });

  it.each([
    ['an anonymous caller', { caller: 'anonymous' }, 'anonymous'],
    ['a caller with privacy', { caller: '+12025550114', vars: { sip_Privacy: 'id' } }, 'anonymous'],
    ['letters in the number', { caller: '+1202555011x' }, 'malformed'],
    ['a 40-digit number', { caller: '1'.repeat(40) }, 'malformed'],
    ['a number with no pending verification', { caller: '0012025550115' }, 'no-match'],
  ])('refuses %s USER_BUSY without approving anything', async (_label, call, result) => {
    const before = rig.approved.length;
    const n = rig.count + 1;
    expect(await esl.fake.placeInbound({ did: '12025550190', ...call })).toBe('USER_BUSY');
    expect(await rig.resultOf(n)).toBe(result);
    expect(rig.approved).toHaveLength(before);
  });
});
