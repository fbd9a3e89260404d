import type { PlayItem } from '../pbx/port';
import { digitPrompt } from './ids';

/** Pauses of the spoken code, in ms. One place so the renderer and every driver agree. */
export const PAUSES = {
  betweenDigits: 250,
  betweenGroups: 700,
  afterIntro: 400,
  beforeRepeat: 900,
  beforeGoodbye: 700,
} as const;

/**
 * Splits a code into groups that are easy to hear and remember: up to 5 digits in one group,
 * 6 → 3-3, 7 → 3-4, 8 → 4-4, longer codes in threes, a final single digit joining the last group
 * (10 → 3-3-4, 20 → 3-3-3-3-3-3-2).
 */
export function groupDigits(code: string): string[] {
  const n = code.length;
  if (n <= 5) return [code];
  if (n === 8) return [code.slice(0, 4), code.slice(4)];
  const groups: string[] = [];
  for (let i = 0; i < n; i += 3) groups.push(code.slice(i, i + 3));
  const last = groups[groups.length - 1] as string;
  if (last.length === 1 && groups.length > 1) {
    groups.pop();
    groups[groups.length - 1] += last;
  }
  return groups;
}

/** The digits of a code as prompts, with short pauses between digits and longer ones between groups. */
export function sayDigits(code: string): PlayItem[] {
  if (!/^[0-9]+$/.test(code)) throw new RangeError('sayDigits() takes a string of decimal digits');
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
 * What the callee hears on a voice verification: "your code is 4 8 2, 9 1 3. I repeat: 4 8 2,
 * 9 1 3. Goodbye." The single source for drivers, the simulator and `prompts render`.
 */
export function codeAnnouncement(code: string): PlayItem[] {
  return [
    { prompt: 'your-code-is' },
    { silenceMs: PAUSES.afterIntro },
    ...sayDigits(code),
    { silenceMs: PAUSES.beforeRepeat },
    { prompt: 'i-repeat' },
    { silenceMs: PAUSES.afterIntro },
    ...sayDigits(code),
    { silenceMs: PAUSES.beforeGoodbye },
    { prompt: 'goodbye' },
  ];
}
