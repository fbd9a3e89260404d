import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AmdVerdict, Pbx } from '../../src/pbx/port';
import { buildCorpus, type CorpusItem } from '../../scripts/amd-corpus';

/**
 * The answering-machine detection accuracy run of docs/amd.md, shared by the Asterisk and the
 * FreeSWITCH live suites: the corpus of scripts/amd-corpus.ts is generated into the temp
 * directory, and each recording is played by a SIPp phone (test/live/sipp/uas-amd.xml) on
 * 127.0.0.1:{@link AMD_PHONE_PORT}, dialled with `amd: hangup` through PBXVERIFY_LIVE_AMD_DIAL.
 */
export const AMD_PHONE_PORT = 5072;
const MEDIA_PORT = 6200;

export interface AmdRun {
  name: string;
  truth: CorpusItem['truth'];
  /** The verdict, or why there was none. */
  verdict: AmdVerdict | { result: 'no-verdict'; cause: string };
  /** From the PBX's answer to the call handed over: silence added before the first prompt. */
  ms: number | null;
}

/** Why the run cannot happen here (tools missing), or undefined. The test fails with it, never skips. */
export function corpusProblem(): string | undefined {
  for (const [tool, arg] of [['sipp', '-v'], ['espeak-ng', '--version'], ['sox', '--version']] as const) {
    if (spawnSync(tool, [arg]).error) return `${tool} is not on the PATH: the AMD accuracy run needs SIPp, espeak-ng and sox (apt-get install -y espeak-ng sox libsox-fmt-all; SIPp from the pbx-lab scripts)`;
  }
  return undefined;
}

function phone(pcap: string, dir: string): void {
  const args = ['-sf', join(__dirname, 'sipp', 'uas-amd.xml'), '-i', '127.0.0.1', '-p', String(AMD_PHONE_PORT), '-mi', '127.0.0.1', '-mp', String(MEDIA_PORT), '-m', '1', '-bg', '-key', 'greeting_pcap', pcap, '-trace_err', '-error_file', join(dir, 'sipp-errors.log')];
  const started = spawnSync('sipp', args, { encoding: 'utf8' });
  if (!/PID=\[\d+\]/.test(`${started.stdout}${started.stderr}`)) throw new Error(`sipp did not start: ${started.stdout}${started.stderr}`);
  spawnSync('sleep', ['0.3']);
}

/** Generates the corpus into a new temp directory (before the driver starts: generating takes seconds). */
export function makeCorpus(): { dir: string; items: CorpusItem[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-live-amd-'));
  return { dir, items: buildCorpus(join(dir, 'corpus')) };
}

/** Dials every recording of the corpus once; returns what detection said, and writes it to <dir>/amd-runs-<label>.json. */
export async function runCorpus(pbx: Pbx, label: string, { dir, items }: { dir: string; items: CorpusItem[] }): Promise<{ runs: AmdRun[]; file: string }> {
  const runs: AmdRun[] = [];
  for (const item of items) {
    phone(item.pcap, dir);
    const result = await pbx.originate({ to: '+12025550199', lang: 'en', ringTimeoutMs: 10_000, tag: `live-amd-${item.name}`, amd: 'hangup' }, { timeoutMs: 40_000 });
    if (!result.ok) {
      runs.push({ name: item.name, truth: item.truth, verdict: { result: 'no-verdict', cause: `${result.end.outcome}: ${result.end.cause.text ?? ''}` }, ms: null });
    } else {
      const verdict = result.call.amd ?? { result: 'no-verdict' as const, cause: 'no verdict on the call' };
      runs.push({ name: item.name, truth: item.truth, verdict, ms: result.call.amd?.ms ?? null });
      await result.call.hangup();
    }
    // the phone exits after its BYE; the next one binds the same port
    spawnSync('sleep', ['0.8']);
  }
  const file = join(dir, `amd-runs-${label}.json`);
  writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
  return { runs, file };
}

/** Accuracy per truth and the added silence on people, as lines for the test output and docs/amd.md. */
export function summarize(runs: readonly AmdRun[]): string {
  const of = (truth: 'human' | 'machine') => runs.filter((r) => r.truth === truth);
  const right = (r: AmdRun): boolean => (r.truth === 'machine' ? r.verdict.result === 'machine' : r.verdict.result === 'human' || r.verdict.result === 'notsure');
  const ms = of('human').flatMap((r) => (r.ms === null ? [] : [r.ms])).sort((a, b) => a - b);
  const pct = (p: number): number | undefined => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
  return [
    `machines detected: ${of('machine').filter(right).length}/${of('machine').length}`,
    `people let through (human or notsure): ${of('human').filter(right).length}/${of('human').length}`,
    `no verdict: ${runs.filter((r) => r.verdict.result === 'no-verdict').length}`,
    `added post-answer silence on people: median ${pct(50) ?? '-'} ms, p90 ${pct(90) ?? '-'} ms`,
    ...runs.map((r) => `  ${right(r) ? 'ok ' : 'BAD'} ${r.truth.padEnd(7)} ${r.name.padEnd(30)} ${r.verdict.result.padEnd(10)} ${r.verdict.cause ?? ''} ${r.ms ?? ''}`),
  ].join('\n');
}
