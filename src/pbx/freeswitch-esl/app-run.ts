import { randomUUID } from 'node:crypto';
import type { CollectOptions, CollectResult } from '../port';
import { mediaList, playAndGetDigitsArg } from './commands';
import type { CommandResult, EslEvent, EslLink } from './esl-link';

// One dialplan application run on a FreeSWITCH channel by FreeSwitchCall.execute: what is
// running, how its run can end, and how it is stopped early.

/** An application running on the channel, started by us with `sendmsg … execute`. */
export interface RunningApp {
  appId: string;
  /** Set when the execute is sent: digits before that never reach it (a parked channel discards them). */
  started: boolean;
  /** Digits FreeSWITCH reported while it ran (DTMF events), the driver's own injected stop digit excluded. */
  digits: string[];
  onDigit?: ((digit: string) => void) | undefined;
  /** The ids of a queue of applications sent together (`appId` is the last one's). */
  queued?: string[] | undefined;
  complete(event: EslEvent): void;
}

/** `sendmsg … execute` headers (matched back by Event-UUID); `lock` queues it behind the application running (event-lock). */
export function executeMessage(app: string, arg: string, id: string, lock: boolean): Record<string, string> {
  return { 'call-command': 'execute', 'execute-app-name': app, 'execute-app-arg': arg, 'Event-UUID': id, ...(lock ? { 'event-lock': 'true' } : {}) };
}

/** One `execute` of a run: its argument and the Event-UUID it is matched back by. */
export interface QueuedApp {
  arg: string;
  id: string;
}

/** Sends a run's `execute`s in order (one, or a queue with `event-lock`); the first failed reply ends it. */
export async function sendQueue(link: EslLink, uuid: string, app: string, queue: readonly QueuedApp[]): Promise<CommandResult> {
  let sent: CommandResult = { ok: true, text: '' };
  for (const { arg, id } of queue) {
    sent = await link.send(`sendmsg ${uuid}`, executeMessage(app, arg, id, queue.length > 1));
    if (!sent.ok) break;
  }
  return sent;
}

/** After a stopped queue: 20 ms of silence queued behind it, whose completion says the channel is idle (a break between two segments is spent on it). */
export async function barrier(link: EslLink, uuid: string, running: RunningApp): Promise<void> {
  const id = randomUUID();
  running.appId = id;
  await link.send(`sendmsg ${uuid}`, executeMessage('playback', 'silence_stream://20', id, true));
}

/** A message FreeSWITCH ignores (no such call-command, no event), sent at CHANNEL_ANSWER to wake the channel's thread (sip-queued-announcement). */
export const WAKE = { 'call-command': 'nudge' };

/** Whether an application of a queue that is not the last ends the run: it failed, or the call hung up. */
export function endsQueue(event: EslEvent): boolean {
  return event['Answer-State'] === 'hangup' || event['Application-Response'] !== 'FILE PLAYED';
}

export type ExecOutcome =
  | { kind: 'complete'; event: EslEvent; digits: string[] }
  | { kind: 'ended' }
  | { kind: 'timeout' | 'aborted' | 'interrupted'; event?: EslEvent | undefined; digits: string[] };

export interface ExecOptions {
  timeoutMs: number;
  /** Aborted with the reason `'timeout'`, the run ends as a timeout; with any other, as aborted. */
  signal?: AbortSignal | undefined;
  onDigit?: (digit: string, interrupt: () => void) => void;
  /** The greeting: segments the originate's inline dialplan already runs (nothing is sent, CHANNEL_PARK is not awaited). */
  inline?: QueuedApp[] | undefined;
  /** Stops the application early (timeout, abort, interruption). */
  stop(link: EslLink): Promise<unknown>;
}

/** A timer as a promise that can be cancelled (so no timer outlives the operation that set it). */
export function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Variable play_and_get_digits stores the digits in (cleared by FreeSWITCH at each start). */
export const DIGITS_VAR = 'pbxverify_digits';

/** The `play_and_get_digits` argument of a digit collection (its prompt as one `file_string`). */
export function collectArg(opts: CollectOptions, terminator: string, lang: string, soundsDir: string): string {
  return playAndGetDigitsArg({
    maxDigits: opts.maxDigits,
    terminator,
    firstDigitTimeoutMs: Math.round(opts.firstDigitTimeoutMs),
    interDigitTimeoutMs: Math.round(opts.interDigitTimeoutMs),
    prompt: opts.prompt && opts.prompt.length > 0 ? mediaList(opts.prompt, lang, soundsDir) : undefined,
    variable: DIGITS_VAR,
  });
}

/** `interruptOnDtmf`: the first digit stops the run and is kept as the play's `interruptedBy`. */
export function firstDigitStops(): { digit?: string; onDigit: (digit: string, interrupt: () => void) => void } {
  const rule: ReturnType<typeof firstDigitStops> = {
    onDigit: (digit, interrupt) => {
      if (rule.digit !== undefined) return;
      rule.digit = digit;
      interrupt();
    },
  };
  return rule;
}

/** The digits of a play_and_get_digits: its variable, or (stopped before it set it) the DTMF seen. */
export function collectedDigits(event: EslEvent | undefined, seen: readonly string[], terminator: string): string {
  return event?.[`variable_${DIGITS_VAR}`] ?? seen.filter((d) => d !== terminator).join('');
}

/** A play_and_get_digits that completed by itself (prompt played, call up). */
export function completedCollect(event: EslEvent, seen: readonly string[], terminator: string, maxDigits: number): CollectResult {
  const digits = collectedDigits(event, [], terminator);
  // read_terminator_used survives from earlier reads on the channel: the digits the
  // application saw last tell whether the terminator ended this one.
  const last = seen[seen.length - 1];
  const endedBy = last === terminator ? 'terminator' : digits.length >= maxDigits ? 'max-digits' : 'timeout';
  return { ok: true, digits, endedBy };
}
