import type { PhoneCall, RtpPacket } from './rtp-phone';

/**
 * What a call's captured RTP says against `prompts render` (issue 18): the post-answer silence
 * (200 OK to the first voiced packet), where the render sits in the capture (cross-correlation),
 * and whether every sample of the render is there, G.711 µ-law for µ-law.
 */

/** G.711 µ-law encoding of one 16-bit sample (the Sun reference both PBXs use). */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** G.711 µ-law decoding of one byte. */
export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** A sample louder than this (about -40 dBFS) is voice, not silence. */
export const VOICED = 328;

/** The µ-law bytes the call received, packets in sequence order (PCMU only; DTMF events left out). */
export function capturedUlaw(packets: readonly RtpPacket[]): { bytes: Buffer; starts: Array<{ at: number; offset: number }> } {
  const audio = packets.filter((p) => p.pt === 0);
  let base = 0;
  let last = -1;
  const ordered = audio.map((p) => {
    // Unwrap the 16-bit sequence number.
    if (last >= 0 && p.seq < last && last - p.seq > 30000) base += 65536;
    last = p.seq;
    return { p, n: base + p.seq };
  });
  ordered.sort((a, b) => a.n - b.n);
  const starts: Array<{ at: number; offset: number }> = [];
  let offset = 0;
  for (const { p } of ordered) {
    starts.push({ at: p.at, offset });
    offset += p.payload.length;
  }
  return { bytes: Buffer.concat(ordered.map((o) => o.p.payload)), starts };
}

/**
 * Whether a captured µ-law byte is the encoding of a sample by one of the PBXs' encoders:
 * FreeSWITCH uses the reference; Asterisk looks the sample up in a table indexed by its top 14
 * bits (main/ulaw.c, `AST_LIN2MU`), which is the reference of the sample with its 2 low bits
 * cleared, one step lower on about 1 % of samples (measured: 1,058 of 123,360 on a call).
 * µ-law has two codes for zero, 0xFF and 0x7F: FreeSWITCH sends 0x7F for the 250 ms that
 * `file_string://` inserts before its first file (measured: a queued segment after a prompt), the
 * same silence as the render's 0xFF.
 */
export function sameUlaw(captured: number, sample: number): boolean {
  return captured === ulawEncode(sample) || captured === ulawEncode(sample & ~3) || (ulawDecode(captured) === 0 && ulawDecode(ulawEncode(sample)) === 0);
}

/** Whether two µ-law bytes are neighbouring codes (one quantization step apart, same sign). */
export function oneStepApart(a: number, b: number): boolean {
  return (a & 0x80) === (b & 0x80) && Math.abs((a & 0x7f) - (b & 0x7f)) === 1;
}

export function renderUlaw(pcm: Buffer): Buffer {
  const out = Buffer.alloc(pcm.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = ulawEncode(pcm.readInt16LE(i * 2));
  return out;
}

function firstVoiced(ulaw: Buffer, from = 0): number {
  for (let i = from; i < ulaw.length; i++) if (Math.abs(ulawDecode(ulaw[i] as number)) > VOICED) return i;
  return -1;
}

/** The lag (samples of the capture before the render's first sample) with the highest normalized correlation. */
export function bestLag(captured: Buffer, rendered: Buffer, maxLag: number): { lag: number; correlation: number } {
  const onset = Math.max(0, firstVoiced(rendered));
  const window = Math.min(8000, rendered.length - onset);
  const r = Float64Array.from({ length: window }, (_, i) => ulawDecode(rendered[onset + i] as number));
  const rNorm = Math.sqrt(r.reduce((a, x) => a + x * x, 0)) || 1;
  let best = { lag: 0, correlation: -1 };
  for (let lag = -onset; lag <= maxLag; lag++) {
    const at = onset + lag;
    if (at < 0 || at + window > captured.length) continue;
    let dot = 0;
    let cNorm = 0;
    for (let i = 0; i < window; i++) {
      const c = ulawDecode(captured[at + i] as number);
      dot += c * (r[i] as number);
      cNorm += c * c;
    }
    const corr = dot / (rNorm * (Math.sqrt(cNorm) || 1));
    if (corr > best.correlation) best = { lag, correlation: corr };
  }
  return best;
}

export interface AudioComparison {
  /** 200 OK to the arrival of the first RTP packet, ms. */
  firstPacketMs: number;
  /** 200 OK to the arrival of the first packet with a voiced sample, ms (the post-answer silence). */
  postAnswerSilenceMs: number;
  /** Samples the capture has before the render's first sample (the PBX's start delay; negative: the render's start is missing). */
  lagSamples: number;
  correlation: number;
  /** Render samples (from its first voiced one on) that differ in the capture by more than one µ-law step, or are missing from it. */
  mismatched: number;
  /** Render samples whose captured code is the neighbouring µ-law code (an encoder's rounding, not audio). */
  oneStep: number;
  /** Samples the capture lacks at the render's start (its lead-in or, worse, its first syllable). */
  missingAtStart: number;
  /** Capture samples after the render's end that are not silence. */
  extraVoiced: number;
  capturedSamples: number;
  renderedSamples: number;
}

/** Compares a captured call with the render of what it should have played (16-bit PCM at 8 kHz). */
export function compareWithRender(call: PhoneCall, renderedPcm: Buffer, maxLagSamples = 16000): AudioComparison {
  const { bytes, starts } = capturedUlaw(call.packets);
  const rendered = renderUlaw(renderedPcm);
  const { lag, correlation } = bestLag(bytes, rendered, maxLagSamples);
  const voicedAt = firstVoiced(bytes);
  const voicedPacket = [...starts].reverse().find((s) => s.offset <= voicedAt);
  const onset = Math.max(0, firstVoiced(rendered));
  let mismatched = 0;
  let oneStep = 0;
  for (let i = onset; i < rendered.length; i++) {
    const c = bytes[lag + i];
    if (c !== undefined && sameUlaw(c, renderedPcm.readInt16LE(i * 2))) continue;
    if (c !== undefined && oneStepApart(c, rendered[i] as number)) oneStep++;
    else mismatched++;
  }
  let extraVoiced = 0;
  for (let i = lag + rendered.length; i < bytes.length; i++) if (Math.abs(ulawDecode(bytes[i] as number)) > VOICED) extraVoiced++;
  return {
    firstPacketMs: starts[0] ? starts[0].at - call.answeredAt : NaN,
    postAnswerSilenceMs: voicedPacket && voicedAt >= 0 ? voicedPacket.at - call.answeredAt : NaN,
    lagSamples: lag,
    correlation,
    mismatched,
    oneStep,
    missingAtStart: Math.max(0, -lag),
    extraVoiced,
    capturedSamples: bytes.length,
    renderedSamples: rendered.length,
  };
}
