/**
 * The FreeSWITCH greeting-length rule (src/pbx/freeswitch-esl/amd.ts) replayed offline on the
 * corpus of scripts/amd-corpus.ts: switch_ivr_wait_for_silence's loop (per 20 ms frame, the mean
 * absolute amplitude against the threshold; `listen` loud frames, then `silence` quiet ones, then
 * 25 more frames) run over each recording as a G.711 u-law round trip, then classifyGreeting().
 * A model of the rule, not a PBX measurement: docs/amd.md reports both, each labelled.
 *
 *   npx tsx scripts/amd-offline.ts [--out DIR]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyGreeting, GREETING_ARGS } from '../src/pbx/freeswitch-esl/amd';
import { parseWav } from '../src/prompts/wav';
import { buildCorpus, muLaw } from './amd-corpus';

/** G.711 u-law back to linear (what FreeSWITCH decodes from the phone's RTP). */
function unMuLaw(u: number): number {
  const x = ~u & 0xff;
  const t = (((x & 0x0f) << 3) + 0x84) << ((x & 0x70) >> 4);
  return x & 0x80 ? 0x84 - t : t - 0x84;
}

/** switch_ivr_wait_for_silence over 8 kHz samples from offset 0: the variables it sets. */
export function waitForSilence(samples: Int16Array, a: { threshold: number; silenceFrames: number; listenFrames: number; capMs: number }): Record<string, string> {
  const frame = 160;
  let listening = 0;
  let silence = a.silenceFrames;
  let countdown = 0;
  let left = (8000 / 1000) * a.capMs;
  for (let at = 0; at + frame <= samples.length; at += frame) {
    left -= frame;
    if (left <= 0) return { variable_wait_for_silence_timeout: 'true', variable_wait_for_silence_listenhits: String(listening) };
    if (countdown) {
      if (!--countdown) return { variable_wait_for_silence_timeout: 'false', variable_wait_for_silence_listenhits: String(listening) };
      continue;
    }
    let energy = 0;
    for (let i = 0; i < frame; i++) energy += Math.abs(unMuLaw(muLaw(samples[at + i] as number)));
    const score = energy / frame;
    if (score >= a.threshold) listening++;
    if ((a.listenFrames === 0 || listening > a.listenFrames) && score < a.threshold) {
      if (!--silence) countdown = 25;
    } else silence = a.silenceFrames;
  }
  return { variable_wait_for_silence_timeout: 'true', variable_wait_for_silence_listenhits: String(listening) };
}

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? (process.argv[i + 1] as string) : join(tmpdir(), 'pbxverify-amd-corpus');
  const items = buildCorpus(out);
  let machines = 0;
  let machinesFound = 0;
  let people = 0;
  let peopleThrough = 0;
  for (const item of items) {
    const { data } = parseWav(readFileSync(item.wav));
    const samples = new Int16Array(data.buffer, data.byteOffset, data.length / 2);
    const verdict = classifyGreeting(waitForSilence(samples, GREETING_ARGS));
    const right = item.truth === 'machine' ? verdict.result === 'machine' : verdict.result !== 'machine';
    if (item.truth === 'machine') {
      machines++;
      if (right) machinesFound++;
    } else {
      people++;
      if (right) peopleThrough++;
    }
    process.stdout.write(`${right ? 'ok ' : 'BAD'} ${item.truth.padEnd(7)} ${item.name.padEnd(30)} ${verdict.result.padEnd(8)} ${verdict.cause ?? ''}\n`);
  }
  process.stdout.write(`machines detected ${machinesFound}/${machines}, people let through ${peopleThrough}/${people}\n`);
}
