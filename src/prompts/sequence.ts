import type { PlayItem } from '../pbx/port';
import { digitPrompt, gatePrompt } from './ids';

/**
 * Pauses of a voice call, in ms. One place so the renderer, the simulator and every driver agree.
 * Each is a whole number of 20 ms RTP frames, so it is played as an exact sum of the installed
 * silence parts (media.ts `silenceParts`), no PBX pads a part to a frame boundary, and
 * `prompts render` reproduces it sample for sample (docs/prompts.md, "What render reproduces").
 */
export const PAUSES = {
  /**
   * Before the first prompt of a call, by default: the media path settles, the callee lifts the
   * phone to the ear. A key (`leadInMs`) or a request (`lead_in_ms`) may choose another, see
   * {@link LEAD_IN}.
   */
  leadIn: 500,
  /** After the gate key: the callee brings the phone back from the keypad to the ear. */
  afterKey: 1000,
  /** Between "your code is" / "I repeat" and the first digit. */
  afterIntro: 400,
  /** Between two digits of a group. */
  betweenDigits: 240,
  /** Between two groups: long enough to hear the grouping, short enough to stay one code. */
  betweenGroups: 700,
  /** Between the first reading and "I repeat". */
  beforeRepeat: 900,
  /** Between the second reading and "goodbye". */
  beforeGoodbye: 700,
} as const;

/** Limits of a chosen lead-in: whole 20 ms frames from none to two seconds. */
export const LEAD_IN = { minMs: 0, maxMs: 2000, stepMs: 20 } as const;

/** Why `ms` is not a lead-in (undefined when it is one). */
export function leadInProblem(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms < LEAD_IN.minMs || ms > LEAD_IN.maxMs || ms % LEAD_IN.stepMs !== 0) {
    return `must be a multiple of ${LEAD_IN.stepMs} from ${LEAD_IN.minMs} to ${LEAD_IN.maxMs} ms`;
  }
  return undefined;
}

/** The lead-in as play items: none for 0 ms (a zero pause would be no file at all). */
function leadIn(ms: number = PAUSES.leadIn): PlayItem[] {
  const problem = leadInProblem(ms);
  if (problem !== undefined) throw new RangeError(`a lead-in ${problem}`);
  return ms === 0 ? [] : [{ silenceMs: ms }];
}

/**
 * What a `wait_for_beep` call leaves on an answering machine after its beep: never the code (a
 * voicemail box is read by whoever holds the phone). It reuses the packs' `goodbye` so every
 * language has it; the verification's next step (or a new request) brings the code.
 */
export function machineMessage(): PlayItem[] {
  return [{ silenceMs: PAUSES.leadIn }, { prompt: 'goodbye' }];
}

/**
 * Splits a code into groups that are easy to hear and keep in mind (chunks of three, as phone
 * numbers are read): up to 5 digits stay one group; longer codes go in threes, and a remainder
 * turns the last group or two into fours, so no group has one or two digits.
 * 6 → 3-3, 7 → 3-4, 8 → 4-4, 9 → 3-3-3, 10 → 3-3-4, 11 → 3-4-4, 20 → 3-3-3-3-4-4.
 */
export function groupDigits(code: string): string[] {
  const n = code.length;
  if (n <= 5) return n ? [code] : [];
  const fours = n % 3 === 0 ? 0 : n % 3 === 1 ? 1 : 2;
  const threes = (n - fours * 4) / 3;
  const sizes = [...Array<number>(threes).fill(3), ...Array<number>(fours).fill(4)];
  const groups: string[] = [];
  let at = 0;
  for (const size of sizes) {
    groups.push(code.slice(at, at + size));
    at += size;
  }
  return groups;
}

function assertCode(code: string): void {
  if (!/^[0-9]{1,20}$/.test(code)) throw new RangeError('a code is 1 to 20 decimal digits');
}

/** The digits of a code as prompts, with short pauses between digits and longer ones between groups. */
export function sayDigits(code: string): PlayItem[] {
  assertCode(code);
  const items: PlayItem[] = [];
  groupDigits(code).forEach((group, g) => {
    if (g > 0) items.push({ silenceMs: PAUSES.betweenGroups });
    [...group].forEach((digit, d) => {
      if (d > 0) items.push({ silenceMs: PAUSES.betweenDigits });
      items.push({ prompt: digitPrompt(digit) });
    });
  });
  return items;
}

/**
 * The anti-voicemail gate question, "press 7 to hear your code", as the first audio of a call.
 * Played as the prompt of a one-digit collection (a key stops it).
 */
export function gateQuestion(digit: string, leadInMs?: number): PlayItem[] {
  return [...leadIn(leadInMs), { prompt: gatePrompt(digit) }];
}

/** What a callee hears when the gate got a wrong key or none: a goodbye, then the call ends. */
export function gateRefusal(): PlayItem[] {
  return [{ prompt: 'goodbye' }];
}

/**
 * What the callee hears on a voice verification once the call is answered (or, with a gate,
 * once the right key was pressed): "your code is 4 8 2, 9 1 3. I repeat: 4 8 2, 9 1 3. Goodbye."
 * The single source for drivers (through the voice channel), the simulator and `prompts render`.
 */
export function codeAnnouncement(code: string, opts: { after?: 'answer' | 'gate'; leadInMs?: number | undefined } = {}): PlayItem[] {
  const digits = sayDigits(code);
  return [
    ...(opts.after === 'gate' ? [{ silenceMs: PAUSES.afterKey }] : leadIn(opts.leadInMs)),
    { prompt: 'your-code-is' },
    { silenceMs: PAUSES.afterIntro },
    ...digits,
    { silenceMs: PAUSES.beforeRepeat },
    { prompt: 'i-repeat' },
    { silenceMs: PAUSES.afterIntro },
    ...digits,
    { silenceMs: PAUSES.beforeGoodbye },
    { prompt: 'goodbye' },
  ];
}

/**
 * Everything a callee hears on a voice verification that goes as planned, in order: the gate
 * question when there is one (the callee presses the right key at its end), then the code.
 * Waiting for the key is listening, not playing, so it is not part of the audio.
 */
export function voiceCallAudio(code: string, gateDigit?: string, leadInMs?: number): PlayItem[] {
  if (gateDigit === undefined) return codeAnnouncement(code, { leadInMs });
  return [...gateQuestion(gateDigit, leadInMs), ...codeAnnouncement(code, { after: 'gate' })];
}
