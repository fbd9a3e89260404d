import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchema, type Manifest } from './catalog';
import { PROMPT_IDS } from './ids';
import { measure } from './levels';
import { SILENCE_PARTS } from './media';
import { describeFormat, durationMs, parseWav, samples16, WavError } from './wav';

/**
 * `pbxverify prompts check`: is every pack playable as the engine will play it? Pure Node (no
 * sox), so it runs in CI over the committed packs and on an operator's recorded ones.
 */

export interface Problem {
  severity: 'error' | 'warning';
  /** Prompt id or silence file; absent for a problem with the pack as a whole. */
  file?: string;
  message: string;
}

export interface PackReport {
  lang: string;
  name: string;
  source: Manifest['source'] | 'unknown';
  files: number;
  /** Total audio, seconds. */
  seconds: number;
  problems: Problem[];
}

export interface CheckReport {
  packs: PackReport[];
  /** Problems with the shared silence parts (`sounds/silence/<ms>.wav`). */
  silence: Problem[];
  errors: number;
  warnings: number;
}

/** Duration bounds in ms: a file outside them is cut, runaway or not the prompt it claims to be. */
export function durationBounds(id: string): [min: number, max: number] {
  if (id.startsWith('digit-')) return [120, 1500];
  if (id.startsWith('gate-press-')) return [700, 7000];
  if (id === 'enter-code') return [1200, 10000];
  return [250, 7000];
}

/** A file starting or ending with more silence than this stretches the pauses `sequence.ts` defines. */
export const MAX_EDGE_SILENCE_MS = 300;
/** Quieter than this (active speech level, dBFS) is inaudible on a phone line. */
export const MIN_ACTIVE_DB = -35;
/** A prompt this much louder or quieter than its pack's median jumps out when concatenated. */
export const MAX_LEVEL_SPREAD_DB = 6;

export interface CheckOptions {
  /** Only this pack (exact pack id such as `pt-BR`). */
  lang?: string | undefined;
  /** Sample rate the files must have (8000 for the committed set; 16000 for a wideband set). */
  sampleRate?: number;
}

function checkPrompt(path: string, id: string, rate: number, problems: Problem[]): { seconds: number; activeDb?: number } {
  if (!existsSync(path)) {
    problems.push({ severity: 'error', file: id, message: 'missing' });
    return { seconds: 0 };
  }
  let wav;
  try {
    wav = parseWav(readFileSync(path));
  } catch (err) {
    if (!(err instanceof WavError)) throw err;
    problems.push({ severity: 'error', file: id, message: err.message });
    return { seconds: 0 };
  }
  const f = wav.format;
  if (f.audioFormat !== 1 || f.channels !== 1 || f.bitsPerSample !== 16 || f.sampleRate !== rate) {
    problems.push({ severity: 'error', file: id, message: `${describeFormat(f)}; packs are PCM 16-bit mono ${rate} Hz` });
    return { seconds: durationMs(wav) / 1000 };
  }
  const ms = durationMs(wav);
  if (wav.data.length === 0) {
    problems.push({ severity: 'error', file: id, message: 'empty (no samples)' });
    return { seconds: 0 };
  }
  const [min, max] = durationBounds(id);
  if (ms < min || ms > max) problems.push({ severity: 'error', file: id, message: `lasts ${Math.round(ms)} ms, expected ${min}–${max} ms` });
  const levels = measure(samples16(wav.data), rate);
  if (!(levels.activeDb >= MIN_ACTIVE_DB)) {
    problems.push({ severity: 'error', file: id, message: `too quiet or silent (active level ${levels.activeDb.toFixed(1)} dBFS, minimum ${MIN_ACTIVE_DB})` });
  }
  if (levels.fullScaleRun >= 2) problems.push({ severity: 'error', file: id, message: `clipped (${levels.fullScaleRun} consecutive samples at full scale)` });
  if (levels.leadingSilenceMs > MAX_EDGE_SILENCE_MS || levels.trailingSilenceMs > MAX_EDGE_SILENCE_MS) {
    problems.push({
      severity: 'error',
      file: id,
      message: `not trimmed: ${levels.leadingSilenceMs} ms of silence before, ${levels.trailingSilenceMs} ms after (at most ${MAX_EDGE_SILENCE_MS})`,
    });
  }
  return { seconds: ms / 1000, activeDb: levels.activeDb };
}

/** Checks one pack directory (`sounds/<lang>`). */
export function checkPack(dir: string, folder: string, rate = 8000): PackReport {
  const report: PackReport = { lang: folder, name: folder, source: 'unknown', files: 0, seconds: 0, problems: [] };
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    report.problems.push({ severity: 'error', message: 'no manifest.json' });
    return report;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    report.problems.push({ severity: 'error', message: `manifest.json is not JSON: ${(err as Error).message}` });
    return report;
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    report.problems.push({ severity: 'error', message: `manifest.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    return report;
  }
  const manifest = parsed.data;
  Object.assign(report, { lang: manifest.lang, name: manifest.name, source: manifest.source });
  if (manifest.lang !== folder) report.problems.push({ severity: 'error', message: `manifest lang "${manifest.lang}" does not match folder "${folder}"` });
  if (manifest.source === 'placeholder') report.problems.push({ severity: 'error', message: 'placeholder pack: generate it (npm run prompts:build) or record it' });
  for (const id of PROMPT_IDS) if (!(id in manifest.prompts)) report.problems.push({ severity: 'error', file: id, message: 'no text in manifest' });
  const levels: Array<[string, number]> = [];
  for (const id of PROMPT_IDS) {
    const { seconds, activeDb } = checkPrompt(join(dir, `${id}.wav`), id, rate, report.problems);
    if (seconds > 0) report.files++;
    report.seconds += seconds;
    if (activeDb !== undefined && Number.isFinite(activeDb)) levels.push([id, activeDb]);
  }
  const sorted = levels.map(([, l]) => l).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (median !== undefined) {
    for (const [id, level] of levels) {
      if (Math.abs(level - median) > MAX_LEVEL_SPREAD_DB) {
        report.problems.push({ severity: 'warning', file: id, message: `level ${level.toFixed(1)} dBFS is more than ${MAX_LEVEL_SPREAD_DB} dB from the pack's ${median.toFixed(1)}` });
      }
    }
  }
  const known = new Set(PROMPT_IDS.map((id) => `${id}.wav`));
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.wav') && !known.has(file)) report.problems.push({ severity: 'warning', file, message: 'not a prompt id; never played' });
  }
  return report;
}

/** Checks `sounds/silence/<ms>.wav`: every part present, exactly `ms` long, digital silence. */
export function checkSilence(dir: string, rate = 8000): Problem[] {
  const problems: Problem[] = [];
  for (const ms of SILENCE_PARTS) {
    const file = `${ms}.wav`;
    const path = join(dir, file);
    if (!existsSync(path)) {
      problems.push({ severity: 'error', file, message: 'missing' });
      continue;
    }
    try {
      const wav = parseWav(readFileSync(path));
      const f = wav.format;
      if (f.audioFormat !== 1 || f.channels !== 1 || f.bitsPerSample !== 16 || f.sampleRate !== rate) {
        problems.push({ severity: 'error', file, message: `${describeFormat(f)}; expected PCM 16-bit mono ${rate} Hz` });
      } else if (wav.data.length !== (rate * ms * 2) / 1000) {
        problems.push({ severity: 'error', file, message: `holds ${wav.data.length / 2} samples, expected ${(rate * ms) / 1000}` });
      } else if (wav.data.some((byte) => byte !== 0)) {
        problems.push({ severity: 'error', file, message: 'not digital silence' });
      }
    } catch (err) {
      if (!(err instanceof WavError)) throw err;
      problems.push({ severity: 'error', file, message: err.message });
    }
  }
  return problems;
}

/** Checks every pack under `soundsDir` (or one), and the silence parts. */
export function checkSounds(soundsDir: string, opts: CheckOptions = {}): CheckReport {
  const rate = opts.sampleRate ?? 8000;
  const folders = existsSync(soundsDir)
    ? readdirSync(soundsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== 'silence')
        .map((e) => e.name)
        .sort()
    : [];
  const selected = opts.lang === undefined ? folders : folders.filter((f) => f === opts.lang);
  const packs = selected.map((folder) => checkPack(join(soundsDir, folder), folder, rate));
  if (opts.lang !== undefined && selected.length === 0) {
    packs.push({ lang: opts.lang, name: opts.lang, source: 'unknown', files: 0, seconds: 0, problems: [{ severity: 'error', message: `no pack folder ${opts.lang}` }] });
  }
  if (opts.lang === undefined && folders.length === 0) {
    packs.push({ lang: '-', name: '-', source: 'unknown', files: 0, seconds: 0, problems: [{ severity: 'error', message: `no packs under ${soundsDir}` }] });
  }
  const silence = checkSilence(join(soundsDir, 'silence'), rate);
  const all = [...packs.flatMap((p) => p.problems), ...silence];
  return {
    packs,
    silence,
    errors: all.filter((p) => p.severity === 'error').length,
    warnings: all.filter((p) => p.severity === 'warning').length,
  };
}
