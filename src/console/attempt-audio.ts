import type { PlayItem } from '../pbx/port';
import { digitPrompt, gatePrompt } from '../prompts/ids';
import { renderPcm } from '../prompts/render';
import { codeAnnouncement, gateQuestion, gateRefusal, machineMessage } from '../prompts/sequence';
import type { CodeVault } from '../verification/codes';
import type { VerificationRecord } from '../verification/model';

/**
 * What a voice attempt played, for the console's player: the same items the voice channel hands
 * to every PBX (src/prompts/sequence.ts), rendered by `prompts render`'s code, which reproduces what
 * Asterisk, FreeSWITCH and the simulator play sample for sample (docs/prompts.md).
 *
 * The code is kept only as an HMAC, plus a sealed copy while the verification is pending. So:
 * - while the seal exists and the attempt said the current code, the digits are rendered from it
 *   (unsealed in memory for the rendering, never stored or logged);
 * - otherwise (ended, or a later step issued a new code) every digit is rendered as silence as long
 *   as the prompt of 0: the rest of the call (lead-in, intro, pauses, "I repeat", goodbye) as played.
 * The gate question's digit is not recorded: it is rendered as silence of its prompt's length.
 */
export type Spoken = Readonly<{ item: PlayItem; silent: boolean }>;

export interface AttemptAudioPlan {
  items: Spoken[];
  /** `spoken`: the digits are the real ones; `withheld`: silence in their place. */
  digits: 'spoken' | 'withheld';
  /** How the attempt ended, when not as planned (the player says so). */
  ended: 'as-planned' | 'hung-up-during-prompt' | 'gate-failed' | 'machine' | 'other';
}

/** Why there is nothing to play (the console answers 404 with it). */
export type NoAudio = 'no-such-attempt' | 'not-a-voice-call' | 'not-answered' | 'still-running' | 'nothing-played';

export function attemptAudioPlan(record: VerificationRecord, n: number, vault: CodeVault): AttemptAudioPlan | NoAudio {
  const attempt = record.attempts.find((a) => a.n === n);
  if (!attempt) return 'no-such-attempt';
  if (attempt.channel !== 'call') return 'not-a-voice-call';
  if (attempt.status !== 'completed') return 'still-running';
  if (attempt.outcome !== 'answered') return 'not-answered';
  // the sealed code is the current one: an attempt followed by one that issued a new code said another
  const saidCurrent = !record.attempts.some((a) => a.n > n && a.newCode);
  const code = record.codeSealed && saidCurrent ? vault.unseal(record.id, record.codeSealed) : undefined;
  const digits = code ?? '0'.repeat(record.codeLength);
  const silentDigit = code === undefined;
  const mark = (items: PlayItem[], silentWhen: (item: PlayItem) => boolean = () => false): Spoken[] => items.map((item) => ({ item, silent: silentWhen(item) }));
  const isDigit = (item: PlayItem) => silentDigit && 'prompt' in item && item.prompt === digitPrompt('0');
  const isGate = (item: PlayItem) => 'prompt' in item && item.prompt === gatePrompt('1');
  if (attempt.result === 'machine') {
    // amd hangup: nothing was said; wait_for_beep: a goodbye without the code (docs/amd.md)
    if (attempt.amd?.mode !== 'wait_for_beep') return 'nothing-played';
    return { items: mark(machineMessage()), digits: 'spoken', ended: 'machine' };
  }
  const items: Spoken[] = [];
  if (record.gate) {
    items.push(...mark(gateQuestion('1', record.leadInMs), isGate));
    if (attempt.result === 'gate-failed') return { items: [...items, ...mark(gateRefusal())], digits: 'spoken', ended: 'gate-failed' };
  }
  items.push(...mark(codeAnnouncement(digits, { after: record.gate ? 'gate' : 'answer', leadInMs: record.leadInMs }), isDigit));
  const ended = attempt.result === 'delivered' ? 'as-planned' : attempt.result === 'hung-up-during-prompt' ? 'hung-up-during-prompt' : 'other';
  return { items, digits: code ? 'spoken' : 'withheld', ended };
}

/** The plan's PCM: each item as `prompts render` renders it, a silent item as zeros of the same length. */
export function renderPlanPcm(soundsDir: string, lang: string, plan: AttemptAudioPlan): Buffer {
  return Buffer.concat(
    plan.items.map(({ item, silent }) => {
      const pcm = renderPcm(soundsDir, lang, [item]);
      return silent ? Buffer.alloc(pcm.length) : pcm;
    }),
  );
}
