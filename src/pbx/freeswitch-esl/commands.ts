import { messageBodyProblem, senderProblem } from '../../lib/sms-text';
import { promptPath } from '../../prompts/media';
import { checkDialTemplate as checkTemplate, DialTemplateError, renderDial, type DialValues } from '../dial-template';
import type { PlayItem } from '../port';

/**
 * Building ESL command text. Everything that reaches FreeSWITCH passes a strict check here:
 * one unchecked space, comma, brace or newline would change what `originate` or
 * `play_and_get_digits` does (their arguments are split on those characters), and a newline
 * would start a new ESL command.
 */

const CALLER_ID = /^\+?[1-9]\d{3,14}$/;
/** Characters a rendered dial string may hold: no space, `,` `|` (dial separators), braces, quotes, `!` `^` `&`. */
const DIAL_STRING = /^[A-Za-z0-9_.+@:/;=%-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Absolute directory on the FreeSWITCH host; no spaces (play_and_get_digits splits on them) and no `!` (file_string). */
const SOUNDS_DIR = /^\/[A-Za-z0-9_./-]*$/;
const TEMPLATE_PLACEHOLDERS = /\{(trunk|number|digits)\}/g;

export class CommandInputError extends RangeError {
  override name = 'CommandInputError';
}

/** Checks a dial-string template from the configuration (`sofia/gateway/{trunk}/{number}`). */
export function checkDialTemplate(template: string): string | undefined {
  return checkTemplate('freeswitch', template);
}

export function checkSoundsDir(dir: string): string | undefined {
  return SOUNDS_DIR.test(dir) ? undefined : 'must be an absolute path of letters, digits and _ . / -';
}

/** Renders the dial string for one call (the one renderer). Throws {@link CommandInputError} on anything unexpected. */
export function renderDialString(template: string, values: DialValues): string {
  try {
    return renderDial('freeswitch', template, values);
  } catch (err) {
    if (err instanceof DialTemplateError) throw new CommandInputError(err.message);
    throw err;
  }
}

export interface OriginateSpec {
  uuid: string;
  dial: string;
  callerId?: string | undefined;
  ringTimeoutMs: number;
  /** The greeting's `playback` segments (`arg`) with their Event-UUIDs (`id`), run by the originate itself before `park` (inline dialplan). */
  greeting?: ReadonlyArray<{ arg: string; id: string }> | undefined;
}

/** The channel variable holding greeting segment `k`: its `playback` reads it when it starts, so a stop can silence the rest. */
export function greetingVar(k: number): string {
  return `pbxverify_g${k}`;
}

/** What a greeting segment may contain: it sits in the originate's `{vars}` and its inline dialplan. */
const SEGMENT = /^[A-Za-z0-9_./:!-]+$/;

/**
 * `originate {vars}<dial> &park()`, or with a greeting `originate {vars}<dial> '<segments>,park:'
 * inline`: FreeSWITCH starts the first segment in the first 20 ms frame after the answer
 * (docs/freeswitch.md "The greeting"). `originate_timeout` counts whole seconds
 * (test/fixtures/RECORDINGS.md), so the ring timeout is rounded up. `ignore_early_media` keeps a 183 with ringback
 * from counting as an answer; `playback_terminators=none` stops FreeSWITCH's default `*` from
 * cutting prompts (barge-in is decided by the driver).
 */
export function originateCommand(spec: OriginateSpec): string {
  if (!UUID.test(spec.uuid)) throw new CommandInputError('origination uuid must be a lower-case UUID');
  if (!DIAL_STRING.test(spec.dial)) throw new CommandInputError('invalid dial string');
  if (spec.callerId !== undefined && !CALLER_ID.test(spec.callerId)) throw new CommandInputError('caller ID must be digits with an optional +');
  const seconds = Math.max(1, Math.ceil(spec.ringTimeoutMs / 1000));
  if (!Number.isFinite(seconds) || seconds > 600) throw new CommandInputError('ring timeout out of range');
  const vars = [
    `origination_uuid=${spec.uuid}`,
    ...(spec.callerId !== undefined ? [`origination_caller_id_number=${spec.callerId}`] : []),
    `originate_timeout=${seconds}`,
    'ignore_early_media=true',
    'playback_terminators=none',
  ];
  const greeting = spec.greeting;
  if (!greeting) return `originate {${vars.join(',')}}${spec.dial} &park()`;
  // inline dialplan: each segment is `playback:${var}` (its Event-UUID set just before), then park
  if (greeting.length === 0) throw new CommandInputError('an empty greeting');
  if (!greeting.every(({ arg, id }) => SEGMENT.test(arg) && UUID.test(id))) throw new CommandInputError('invalid greeting segment');
  vars.push(`app_uuid=${(greeting[0] as { id: string }).id}`, ...greeting.map(({ arg }, k) => `${greetingVar(k)}=${arg}`));
  const apps = greeting.map(({ id }, k) => `${k > 0 ? `set:app_uuid=${id},` : ''}playback:\${${greetingVar(k)}}`);
  return `originate {${vars.join(',')}}${spec.dial} '${apps.join(',')},park:' inline`;
}

/** One audio item as FreeSWITCH names it: an absolute prompt file or `silence_stream://<ms>`. */
export function mediaOf(item: PlayItem, lang: string, soundsDir: string): string {
  if ('silenceMs' in item) {
    const ms = Math.round(item.silenceMs);
    // silence_stream://0 would be endless silence.
    if (!Number.isFinite(ms) || ms < 1 || ms > 600_000) throw new CommandInputError('silence must be 1 ms to 10 minutes');
    return `silence_stream://${ms}`;
  }
  if (!SOUNDS_DIR.test(soundsDir)) throw new CommandInputError('invalid sounds directory');
  try {
    return `${soundsDir.replace(/\/+$/, '')}/${promptPath(lang, item.prompt)}.wav`;
  } catch (err) {
    throw new CommandInputError((err as Error).message);
  }
}

/**
 * Silence FreeSWITCH plays before the first file of a `file_string://`: mod_dptools' `next_file`
 * sets `context->samples = rate / 1000 * 250` for the first file, and the reader sends that many
 * silent samples first (FreeSWITCH 1.10.12, measured on the lab: 2,000 samples at 8 kHz in every
 * call; issue 18).
 */
export const FILE_STRING_LEAD_MS = 250;

/**
 * Several items as one `playback` argument: `file_string://a!b!c` plays them back to back. Its
 * built-in 250 ms of silence counts toward a leading pause (the lead-in) of at least that length,
 * so that the callee hears exactly the pauses of the sequence; a shorter leading pause, or none,
 * starts 250 ms late.
 */
export function mediaList(items: readonly PlayItem[], lang: string, soundsDir: string): string {
  if (items.length === 0) throw new CommandInputError('nothing to play');
  if (items.length === 1) return mediaOf(items[0] as PlayItem, lang, soundsDir);
  const first = items[0] as PlayItem;
  let list = items;
  if ('silenceMs' in first && first.silenceMs >= FILE_STRING_LEAD_MS) {
    const rest = Math.round(first.silenceMs) - FILE_STRING_LEAD_MS;
    list = rest >= 1 ? [{ silenceMs: rest }, ...items.slice(1)] : items.slice(1);
  }
  return `file_string://${list.map((item) => mediaOf(item, lang, soundsDir)).join('!')}`;
}

/**
 * What `play` sends, as `playback` arguments executed one after the other with `event-lock`
 * (queued on the channel: FreeSWITCH starts each when the one before ends, with no gap; measured
 * sample for sample, docs/benchmarks.md). The items before the first pause of at least 250 ms
 * after the first item play one by one, so the first sample is not delayed; the rest from that
 * pause on is one `file_string://` (its built-in 250 ms count toward that pause): the code
 * announcement is `[silence, your-code-is, file_string://…]` at any lead-in. A list that opened
 * with a long pause used to be one `file_string`; its voice came one 20 ms frame late in half the
 * calls (lead-in 500: 5 of 10 at 41 ms against 9 of 10 for segments; docs/benchmarks.md).
 */
export function playbackSegments(items: readonly PlayItem[], lang: string, soundsDir: string): string[] {
  const first = items[0];
  if (first === undefined || items.length === 1) return [mediaList(items, lang, soundsDir)];
  const pause = items.findIndex((item, i) => i > 0 && 'silenceMs' in item && item.silenceMs >= FILE_STRING_LEAD_MS);
  const head = pause < 0 ? items : items.slice(0, pause);
  return [...head.map((item) => mediaOf(item, lang, soundsDir)), ...(pause < 0 ? [] : [mediaList(items.slice(pause), lang, soundsDir)])];
}

export interface DigitsSpec {
  maxDigits: number;
  terminator: string;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  /** `playback` argument of the prompt, or undefined for none. */
  prompt?: string | undefined;
  variable: string;
}

/** play_and_get_digits stores at most 127 digits (its buffer is 128 bytes). */
export const MAX_COLLECT_DIGITS = 127;

/**
 * `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var>
 * <regexp> <digit_timeout>`: one try, at least one digit, any digits (`.+`), a 10 ms silence
 * as the "invalid" file (FreeSWITCH plays it even after the last try, see
 * loopback-answer-silent-pgd-timeout).
 */
export function playAndGetDigitsArg(spec: DigitsSpec): string {
  if (!Number.isInteger(spec.maxDigits) || spec.maxDigits < 1 || spec.maxDigits > MAX_COLLECT_DIGITS) {
    throw new CommandInputError(`maxDigits must be 1 to ${MAX_COLLECT_DIGITS}`);
  }
  if (!/^[0-9*#]$/.test(spec.terminator)) throw new CommandInputError('terminator must be one of 0-9 * #');
  for (const ms of [spec.firstDigitTimeoutMs, spec.interDigitTimeoutMs]) {
    if (!Number.isInteger(ms) || ms < 1 || ms > 600_000) throw new CommandInputError('digit timeouts must be whole ms, 1 ms to 10 minutes');
  }
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(spec.variable)) throw new CommandInputError('invalid variable name');
  const prompt = spec.prompt ?? 'silence_stream://10';
  if (/\s/.test(prompt)) throw new CommandInputError('prompt must not contain spaces');
  return [1, spec.maxDigits, 1, spec.firstDigitTimeoutMs, spec.terminator, prompt, 'silence_stream://10', spec.variable, '.+', spec.interDigitTimeoutMs].join(' ');
}

/** Checks a uuid before it goes into `uuid_*` commands and `sendmsg`. */
export function checkUuid(uuid: string): string {
  if (!UUID.test(uuid)) throw new CommandInputError('not a channel uuid');
  return uuid;
}

export interface ChatSpec {
  /** Rendered destination (`<profile>/sip:<number>@<host>`). */
  to: string;
  from: string;
  body: string;
}

const CHAT_TO = /^[A-Za-z0-9_.+@:/;=%-]{1,200}$/;

/**
 * `chat sip|<from>|<to>|<body>|text/plain` (mod_dptools' chat API; sofia sends a SIP MESSAGE and,
 * as the API is blocking, waits up to 20 s for the final response — so it is sent with bgapi).
 * The API splits on `|` and the ESL command ends at a newline: the sender and the body follow the
 * one grammar of src/lib/sms-text.ts, which keeps both out.
 */
export function chatCommand(spec: ChatSpec): string {
  if (!CHAT_TO.test(spec.to)) throw new CommandInputError('invalid chat destination');
  const sender = senderProblem(spec.from);
  if (sender !== undefined) throw new CommandInputError(`sender ${sender}`);
  const body = messageBodyProblem(spec.body);
  if (body !== undefined) throw new CommandInputError(`message body ${body}`);
  return `chat sip|${spec.from}|${spec.to}|${spec.body}|text/plain`;
}

/** Renders the chat destination template (`qa/sip:{number}@127.0.0.1:5090`) with the one renderer. */
export function renderChatTo(template: string, values: DialValues): string {
  let to: string;
  try {
    to = renderDial('freeswitch', template, values);
  } catch (err) {
    if (!(err instanceof DialTemplateError)) throw err;
    throw new CommandInputError(err.field === 'trunk' ? 'the chat destination needs a trunk (calls.trunk)' : err.message);
  }
  if (!CHAT_TO.test(to)) throw new CommandInputError('the rendered chat destination has characters FreeSWITCH would split on');
  return to;
}

/** Checks a chat destination template from the configuration. */
export function checkChatTemplate(template: string): string | undefined {
  if (!template.includes('{number}') && !template.includes('{digits}')) return 'must contain {number} or {digits}';
  const rest = template.replace(TEMPLATE_PLACEHOLDERS, 'x');
  if (/[{}]/.test(rest) || !CHAT_TO.test(rest)) return 'may only contain letters, digits, {trunk} {number} {digits} and _ . + @ : / ; = % -';
  return undefined;
}
