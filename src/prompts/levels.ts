/**
 * Level measurements on 16-bit PCM, shared by the generator (loudness normalization) and
 * `prompts check` (no clipping, not silent, silence trimmed, pack loudness consistent).
 */

export interface Levels {
  /** Highest absolute sample, dBFS (−Infinity for digital silence). */
  peakDb: number;
  /**
   * Active speech level, dBFS: RMS over the 10 ms frames within 35 dB of the loudest frame
   * (a simplified ITU-T P.56), so pauses inside a phrase do not make it look quiet.
   */
  activeDb: number;
  /** Longest run of samples at full scale (|s| ≥ 32767): 2 or more is clipping. */
  fullScaleRun: number;
  /** Leading and trailing ms below −45 dBFS (10 ms frames). */
  leadingSilenceMs: number;
  trailingSilenceMs: number;
}

const FULL_SCALE = 32768;
const db = (x: number): number => (x > 0 ? 20 * Math.log10(x / FULL_SCALE) : -Infinity);

/** Measures a mono 16-bit PCM signal at `sampleRate`. */
export function measure(samples: Int16Array | Float64Array, sampleRate: number): Levels {
  const frame = Math.max(1, Math.round(sampleRate / 100));
  const frames: number[] = [];
  let peak = 0;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < samples.length; i += frame) {
    let sum = 0;
    const end = Math.min(samples.length, i + frame);
    for (let j = i; j < end; j++) {
      const s = samples[j] as number;
      const a = Math.abs(s);
      if (a > peak) peak = a;
      run = a >= FULL_SCALE - 1 ? run + 1 : 0;
      if (run > longestRun) longestRun = run;
      sum += s * s;
    }
    frames.push(Math.sqrt(sum / (end - i)));
  }
  const loudest = Math.max(0, ...frames);
  const gate = loudest / 10 ** (35 / 20);
  let activeSum = 0;
  let activeCount = 0;
  frames.forEach((rms) => {
    if (rms >= gate && rms > 0) {
      activeSum += rms * rms;
      activeCount++;
    }
  });
  const quiet = FULL_SCALE * 10 ** (-45 / 20);
  const lead = frames.findIndex((rms) => rms >= quiet);
  const trail = [...frames].reverse().findIndex((rms) => rms >= quiet);
  const frameMs = (frame / sampleRate) * 1000;
  return {
    peakDb: db(peak),
    activeDb: activeCount ? db(Math.sqrt(activeSum / activeCount)) : -Infinity,
    fullScaleRun: longestRun,
    leadingSilenceMs: (lead < 0 ? frames.length : lead) * frameMs,
    trailingSilenceMs: (trail < 0 ? frames.length : trail) * frameMs,
  };
}
