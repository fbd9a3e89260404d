import { randomUUID } from 'node:crypto';
import type { ChannelState, ChannelView, EventFactory } from './event-factory';
import type { EventBody } from './frames';
import { WaitForSilenceApp, type HeardVoice } from './wait-for-silence';

/** What a channel needs from the fake switch around it. */
export interface ChannelHost {
  factory: EventFactory;
  emit(event: EventBody): void;
  /** Runs `fn` after `ms` simulated milliseconds; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  /** Simulated length of a media file or `file_string://`/`silence_stream://` list. */
  durationOf(media: string): number;
  nested(): void;
  destroyed(channel: FakeChannel): void;
  /** True for a file that does not exist on this FreeSWITCH. */
  missing(path: string): boolean;
}

/** An application running on the channel (park at the bottom of the stack, ours on top). */
export interface App {
  readonly name: string;
  readonly appId: string;
  readonly data: string;
  digit(digit: string): void;
  break(): void;
  hangup(): void;
}

const Q850: Record<string, string> = {
  NORMAL_CLEARING: '16',
  USER_BUSY: '17',
  NO_ANSWER: '19',
  CALL_REJECTED: '21',
  UNALLOCATED_NUMBER: '1',
  NO_ROUTE_DESTINATION: '3',
  NORMAL_CIRCUIT_CONGESTION: '34',
  ORIGINATOR_CANCEL: '487',
};

/**
 * One leg of a call in the fake FreeSWITCH, emitting the events a real 1.10 channel emits in
 * the order the recordings show (test/fixtures/esl/cases/*.json `sequence`).
 */
export class FakeChannel implements ChannelView {
  state: ChannelState = 'CS_INIT';
  callState: ChannelView['callState'] = 'DOWN';
  answerState: ChannelView['answerState'] = 'ringing';
  createdUs: number;
  answeredUs = 0;
  hangupUs = 0;
  hangupCause: string | undefined;
  readonly vars = new Map<string, string>();
  private readonly apps: App[] = [];
  /** Executes sent with `event-lock` while an application ran: started one by one as each ends. */
  private readonly locked: Array<{ name: string; data: string; appId: string }> = [];
  /** The inline dialplan's application running now, and what runs after it (runExtension). */
  private extensionStep: { appId: string; next: () => void } | undefined;
  private over = false;
  /** The other leg once answered: it hangs up when this one does. */
  peer: FakeChannel | undefined;
  /** Called when play_and_get_digits starts (a callee that types when asked). */
  onCollect: (() => void) | undefined;
  /** What the far end says from the answer on, and how far (ms) wait_for_silence has listened into it. */
  heard: HeardVoice | undefined;
  audioAt = 0;

  constructor(
    private readonly host: ChannelHost,
    readonly uuid: string,
    readonly name: string,
    readonly leg: 'a' | 'b',
    readonly direction: 'outbound' | 'inbound',
    readonly destination: string,
    readonly callerIdNumber: string,
    readonly source: string,
    vars: Record<string, string>,
  ) {
    this.createdUs = host.factory.nowUs();
    this.vars.set('direction', direction);
    this.vars.set('uuid', uuid);
    this.vars.set('channel_name', name);
    for (const [k, v] of Object.entries(vars)) this.vars.set(k, v);
  }

  get answered(): boolean {
    return this.answeredUs > 0;
  }

  get isOver(): boolean {
    return this.over;
  }

  /** The application on top of the stack (what digits and uuid_break reach). */
  get current(): string | undefined {
    return this.apps[this.apps.length - 1]?.name;
  }

  /** Headers every event of this channel carries over the template's (an inbound call's caller profile). */
  headers: Record<string, string> = {};

  event(name: string, extra: Record<string, string> = {}): void {
    this.host.emit(this.host.factory.channel(name, this, { ...this.headers, ...extra }));
  }

  answer(): void {
    this.answeredUs = this.host.factory.nowUs();
    this.answerState = 'answered';
    this.callState = 'ACTIVE';
    this.state = 'CS_CONSUME_MEDIA';
    this.event('CHANNEL_ANSWER');
  }

  progress(): void {
    this.answerState = 'early';
    this.callState = 'RINGING';
    this.event('CHANNEL_PROGRESS');
  }

  /** `&park()`: the application every call of ours sits in between our commands. */
  park(): void {
    this.state = 'CS_EXECUTE';
    const appId = randomUUID();
    this.event('CHANNEL_EXECUTE', { Application: 'park', 'Application-UUID': appId });
    this.event('CHANNEL_PARK');
    this.apps.push({ name: 'park', appId, data: '', digit: () => undefined, break: () => undefined, hangup: () => undefined });
  }

  /**
   * An originate's inline dialplan (`'playback:${v},set:app_uuid=…,park:' inline`), run from the
   * answer: each application in turn, its `${var}`s expanded and the `app_uuid` variable taken as
   * its Application-UUID when it starts (switch_core_session_exec), then `then` (park).
   */
  runExtension(apps: Array<{ name: string; data: string }>, then: () => void): void {
    this.state = 'CS_EXECUTE';
    const next = (): void => {
      if (this.over) return;
      const step = apps.shift();
      if (!step) return then();
      const data = step.data.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => this.vars.get(name) ?? '');
      const appId = this.vars.get('app_uuid') ?? randomUUID();
      this.vars.delete('app_uuid');
      this.extensionStep = { appId, next };
      this.execute(step.name, data, appId);
    };
    next();
  }

  /**
   * `sendmsg … execute`: runs the application on top of whatever runs (nested, as FreeSWITCH
   * does), or with `event-lock` after it (recorded: test/fixtures/esl/playback/sip-queued-*).
   */
  execute(name: string, data: string, appId: string, lock = false): void {
    if (this.over) return;
    const busy = this.current !== undefined && this.current !== 'park';
    if (lock && (busy || this.locked.length > 0)) {
      this.locked.push({ name, data, appId });
      return;
    }
    if (busy) this.host.nested();
    this.vars.set('current_application_data', data);
    this.vars.set('current_application', name);
    this.event('CHANNEL_EXECUTE', { Application: name, 'Application-Data': data, 'Application-UUID': appId });
    if (name === 'avmd_start') this.vars.set('avmd_started', 'true');
    if (name === 'set' && data.includes('=')) this.vars.set(data.slice(0, data.indexOf('=')), data.slice(data.indexOf('=') + 1));
    const app =
      name === 'play_and_get_digits' ? new ReadApp(this, appId, data) : name === 'playback' ? new PlaybackApp(this, appId, data) : name === 'wait_for_silence' ? new WaitForSilenceApp(this, appId, data) : undefined;
    if (!app) return this.complete({ name, appId, data }, '_none_');
    this.apps.push(app);
    app.start();
  }

  /** A digit reaches the channel: the DTMF event fires when FreeSWITCH dequeues it, then the top application sees it. */
  digit(digit: string, source: string): void {
    if (this.over) return;
    this.event('DTMF', { 'DTMF-Digit': digit, 'DTMF-Duration': '2000', 'DTMF-Source': source });
    this.apps[this.apps.length - 1]?.digit(digit);
  }

  /** `uuid_break [all]`: stops the playback of the top application; `all` drops the queued executes first. */
  break(all = false): void {
    if (all) this.locked.length = 0;
    this.apps[this.apps.length - 1]?.break();
  }

  /** Called by an application when it is done. */
  complete(app: Pick<App, 'name' | 'appId' | 'data'>, response: string): void {
    const i = this.apps.findIndex((a) => a.appId === app.appId);
    if (i >= 0) this.apps.splice(i, 1);
    this.vars.set('current_application_response', response);
    this.event('CHANNEL_EXECUTE_COMPLETE', { Application: app.name, 'Application-Data': app.data, 'Application-Response': response, 'Application-UUID': app.appId });
    const step = this.extensionStep;
    if (step?.appId === app.appId) {
      this.extensionStep = undefined;
      return void setImmediate(step.next);
    }
    const next = this.over || this.current !== 'park' ? undefined : this.locked.shift();
    if (next) setImmediate(() => this.execute(next.name, next.data, next.appId));
  }

  /**
   * Hangs up: CHANNEL_HANGUP, running applications complete, UNPARK, park completes,
   * HANGUP_COMPLETE, then `beforeDestroy` (where a failed originate's BACKGROUND_JOB goes), DESTROY.
   */
  hangup(cause: string, opts: { sip?: number | undefined; beforeDestroy?: () => void } = {}): void {
    if (this.over) return;
    this.over = true;
    this.hangupCause = cause;
    this.hangupUs = this.host.factory.nowUs();
    this.answerState = 'hangup';
    this.vars.set('hangup_cause', cause);
    if (opts.sip !== undefined) {
      this.vars.set('sip_term_status', String(opts.sip));
      this.vars.set('proto_specific_hangup_cause', `sip:${opts.sip}`);
    }
    this.event('CHANNEL_HANGUP');
    for (const app of [...this.apps].reverse()) {
      if (app.name === 'park') {
        this.event('CHANNEL_UNPARK');
        this.complete(app, this.vars.get('current_application_response') ?? '_none_');
      } else app.hangup();
    }
    this.state = 'CS_REPORTING';
    this.callState = 'HANGUP';
    this.vars.set('hangup_cause_q850', Q850[cause] ?? '41');
    this.event('CHANNEL_HANGUP_COMPLETE');
    opts.beforeDestroy?.();
    this.state = 'CS_DESTROY';
    this.event('CHANNEL_DESTROY');
    this.host.destroyed(this);
    this.peer?.hangup(cause);
  }

  after(ms: number, fn: () => void): () => void {
    return this.host.after(ms, fn);
  }

  durationOf(media: string): number {
    return this.host.durationOf(media);
  }

  missing(path: string): boolean {
    return this.host.missing(path);
  }
}

/** `playback <file>`: PLAYBACK_START, the file's length, PLAYBACK_STOP, FILE PLAYED. */
class PlaybackApp implements App {
  readonly name = 'playback';
  private cancel: () => void = () => undefined;
  private done = false;

  constructor(
    private readonly ch: FakeChannel,
    readonly appId: string,
    readonly data: string,
  ) {}

  start(): void {
    // Probed on 1.10.12: a missing file is FILE NOT FOUND; inside file_string it is skipped silently.
    if (this.ch.missing(this.data)) return this.ch.complete(this, 'FILE NOT FOUND');
    // Recorded (test/fixtures/esl/playback): inside a!b!c (playback_delimiter) a missing file is
    // skipped too, but a missing *last* file leaves the response FILE NOT FOUND.
    const items = this.data.startsWith('file_string://') ? [] : this.data.split('!');
    const lastMissing = items.length > 1 && this.ch.missing(items[items.length - 1] as string);
    this.ch.event('PLAYBACK_START', { 'Playback-File-Path': this.data });
    this.cancel = this.ch.after(this.ch.durationOf(this.data), () => this.stop('done', lastMissing ? 'FILE NOT FOUND' : 'FILE PLAYED'));
  }

  digit(digit: string): void {
    // playback_terminators (FreeSWITCH's default is `*`; the driver originates with `none`).
    const terminators = this.ch.vars.get('playback_terminators') ?? '*';
    if (terminators !== 'none' && terminators.includes(digit)) this.stop('break', 'FILE PLAYED');
  }

  break(): void {
    this.stop('break', 'FILE PLAYED');
  }

  hangup(): void {
    // Probed on 1.10.12: a hang-up during playback ends it `done` with PLAYBACK ERROR.
    this.stop('done', 'PLAYBACK ERROR');
  }

  private stop(status: 'done' | 'break', response: string): void {
    if (this.done) return;
    this.done = true;
    this.cancel();
    this.ch.event('PLAYBACK_STOP', { 'Playback-File-Path': this.data, 'Playback-Status': status });
    this.ch.complete(this, response);
  }
}

/**
 * `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid> <var> <regex> <digit_timeout>`
 * with switch_ivr_read's rules: digits during the prompt stop it and count; the first-digit timer
 * starts after the prompt; a terminator ends input; `max` ends input; uuid_break stops only the
 * prompt; on a failed try the invalid file plays (also after the last try); read_terminator_used
 * is set when a terminator was used and never cleared.
 */
class ReadApp implements App {
  readonly name = 'play_and_get_digits';
  private phase: 'prompt' | 'collect' | 'invalid' | 'done' = 'prompt';
  private buffer = '';
  private cancel: () => void = () => undefined;
  private readonly min: number;
  private readonly max: number;
  private tries: number;
  private readonly timeout: number;
  private readonly terminators: string;
  private readonly file: string;
  private readonly invalid: string;
  private readonly variable: string;
  private readonly regex: RegExp;
  private readonly digitTimeout: number;

  constructor(
    private readonly ch: FakeChannel,
    readonly appId: string,
    readonly data: string,
  ) {
    const a = data.split(' ');
    this.min = Number(a[0]);
    this.max = Math.min(Number(a[1]), 127);
    this.tries = Number(a[2]);
    this.timeout = Number(a[3]);
    this.terminators = a[4] === 'none' ? '' : (a[4] ?? '#');
    this.file = a[5] ?? 'silence';
    this.invalid = a[6] ?? '';
    this.variable = a[7] ?? '';
    this.regex = new RegExp(a[8] ?? '.*');
    this.digitTimeout = Number(a[9] ?? this.timeout);
  }

  start(): void {
    this.ch.vars.delete('read_result');
    if (this.variable) this.ch.vars.delete(this.variable);
    // Probed on 1.10.12: an unplayable prompt ends the application at once, without read_result.
    if (this.ch.missing(this.file)) {
      this.phase = 'done';
      return this.ch.complete(this, '_none_');
    }
    this.try();
    this.ch.onCollect?.();
  }

  private try(): void {
    this.buffer = '';
    this.phase = 'prompt';
    this.ch.event('PLAYBACK_START', { 'Playback-File-Path': this.file });
    this.cancel = this.ch.after(this.ch.durationOf(this.file), () => this.promptOver('done'));
  }

  private promptOver(status: 'done' | 'break'): void {
    this.cancel();
    this.ch.event('PLAYBACK_STOP', { 'Playback-File-Path': this.file, 'Playback-Status': status });
    this.phase = 'collect';
    if (this.buffer.length >= this.max) return this.read(false, '');
    this.arm(this.buffer.length ? this.digitTimeout : this.timeout);
  }

  private arm(ms: number): void {
    this.cancel();
    this.cancel = this.ch.after(ms, () => this.read(true, ''));
  }

  digit(digit: string): void {
    if (this.phase === 'prompt') {
      this.cancel();
      this.ch.event('PLAYBACK_STOP', { 'Playback-File-Path': this.file, 'Playback-Status': 'break' });
      this.phase = 'collect';
    }
    if (this.phase !== 'collect') return;
    if (this.terminators.includes(digit)) return this.read(false, digit);
    this.buffer += digit;
    if (this.buffer.length >= this.max) return this.read(false, '');
    this.arm(this.digitTimeout);
  }

  break(): void {
    if (this.phase === 'prompt') this.promptOver('break');
  }

  private read(timedOut: boolean, terminator: string): void {
    this.cancel();
    if (terminator) this.ch.vars.set('read_terminator_used', terminator);
    const tooSmall = this.min > 0 && this.buffer.length < this.min;
    this.ch.vars.set('read_result', tooSmall ? 'failure' : timedOut ? 'timeout' : 'success');
    const succeeded = !tooSmall && (this.buffer !== '' || this.min === 0);
    if (succeeded && (this.buffer === '' || this.regex.test(this.buffer))) {
      if (this.variable && this.buffer !== '') this.ch.vars.set(this.variable, this.buffer);
      return this.finish();
    }
    this.phase = 'invalid';
    this.ch.event('PLAYBACK_START', { 'Playback-File-Path': this.invalid });
    this.cancel = this.ch.after(this.ch.durationOf(this.invalid), () => {
      this.ch.event('PLAYBACK_STOP', { 'Playback-File-Path': this.invalid, 'Playback-Status': 'done' });
      this.tries--;
      if (this.tries > 0) this.try();
      else this.finish();
    });
  }

  hangup(): void {
    if (this.phase === 'prompt' || this.phase === 'invalid') {
      this.ch.event('PLAYBACK_STOP', { 'Playback-File-Path': this.phase === 'prompt' ? this.file : this.invalid, 'Playback-Status': 'done' });
    }
    this.finish();
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cancel();
    this.ch.complete(this, '_none_');
  }
}
