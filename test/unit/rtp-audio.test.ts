import { compareWithRender, sameUlaw, ulawEncode } from '../support/rtp-audio';
import type { PhoneCall } from '../support/rtp-phone';

/** The capture comparison of the live audio tests and `npm run bench:live` (test/support/rtp-audio.ts). */
describe('rtp-audio comparison', () => {
  it('takes both µ-law codes of zero for silence, and nothing else', () => {
    expect(sameUlaw(0xff, 0)).toBe(true);
    expect(sameUlaw(0x7f, 0)).toBe(true); // FreeSWITCH's file_string lead (a queued segment after a prompt)
    expect(sameUlaw(0x7e, 0)).toBe(false);
    expect(sameUlaw(0x7f, 3000)).toBe(false);
    expect(sameUlaw(ulawEncode(3000), 3000)).toBe(true);
  });

  it('counts a voiced sample that differs, not a silence sent as 0x7F', () => {
    const pcm = Buffer.alloc(480 * 2);
    for (let i = 0; i < 480; i++) pcm.writeInt16LE(i < 160 || i >= 320 ? 4000 * Math.sin(i / 3) : 0, i * 2);
    const payload = Buffer.from(Array.from({ length: 480 }, (_, i) => ulawEncode(pcm.readInt16LE(i * 2))));
    const call = (bytes: Buffer): PhoneCall => ({
      callId: 'c',
      user: 'u',
      invitedAt: 0,
      answeredAt: 0,
      ended: Promise.resolve(),
      packets: [0, 1, 2].map((k) => ({ at: 20 * (k + 1), seq: k, ts: 160 * k, pt: 0, payload: bytes.subarray(160 * k, 160 * (k + 1)) })),
    });
    const negativeZero = Buffer.from(payload);
    negativeZero.fill(0x7f, 160, 320);
    expect(compareWithRender(call(negativeZero), pcm, 0)).toMatchObject({ lagSamples: 0, mismatched: 0 });
    const wrong = Buffer.from(negativeZero);
    wrong[400] = 0x00;
    expect(compareWithRender(call(wrong), pcm, 0).mismatched).toBe(1);
  });
});
