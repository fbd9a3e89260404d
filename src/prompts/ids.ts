/**
 * Prompt ids every language pack provides. Call scripts refer to audio only by these ids;
 * a pack maps each id to `sounds/<lang>/<id>.wav` and to the text it was generated from.
 */
export const DIGIT_PROMPTS = ['digit-0', 'digit-1', 'digit-2', 'digit-3', 'digit-4', 'digit-5', 'digit-6', 'digit-7', 'digit-8', 'digit-9'] as const;

/** "Press N to hear your code": one prompt per digit, so word order stays natural in every language. */
export const GATE_PROMPTS = [
  'gate-press-0',
  'gate-press-1',
  'gate-press-2',
  'gate-press-3',
  'gate-press-4',
  'gate-press-5',
  'gate-press-6',
  'gate-press-7',
  'gate-press-8',
  'gate-press-9',
] as const;

export const PHRASE_PROMPTS = [
  'your-code-is',
  'i-repeat',
  'goodbye',
  'enter-code',
  'verified',
  'wrong-code',
  'no-input',
  'too-many-attempts',
] as const;

export const PROMPT_IDS: readonly string[] = [...DIGIT_PROMPTS, ...GATE_PROMPTS, ...PHRASE_PROMPTS];

export type PromptId = (typeof DIGIT_PROMPTS)[number] | (typeof GATE_PROMPTS)[number] | (typeof PHRASE_PROMPTS)[number];

export function digitPrompt(digit: string): PromptId {
  if (!/^[0-9]$/.test(digit)) throw new RangeError('digitPrompt() takes one decimal digit');
  return `digit-${digit}` as PromptId;
}

export function gatePrompt(digit: string): PromptId {
  if (!/^[0-9]$/.test(digit)) throw new RangeError('gatePrompt() takes one decimal digit');
  return `gate-press-${digit}` as PromptId;
}
