import { ARI_NUMBERS, fakeAndDriver } from '../fakes/ari/harness';
import { pbxContract } from './pbx';

// The same suite the simulator passes, against the ARI driver talking to the wire-level fake,
// once with PJSIP-style event sequences (pjsip-sipp-*) and once with Local channels (Local/…@qa).
for (const [label, endpointTemplate] of [
  ['PJSIP trunk', 'PJSIP/{number}@{trunk}'],
  ['Local channels', 'Local/{number}@qa'],
] as const) {
  pbxContract(`asterisk-ari on the fake ARI (${label})`, async () => {
    const { fake, pbx } = await fakeAndDriver({ endpointTemplate });
    return {
      pbx,
      lang: 'en',
      numbers: ARI_NUMBERS,
      shortRingMs: 3_000,
      sentMessages: () => fake.messages,
      close: async () => {
        await pbx.stop();
        await fake.stop();
      },
    };
  });
}
