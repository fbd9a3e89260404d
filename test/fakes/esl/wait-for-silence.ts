import type { App, FakeChannel } from './fake-channel';

/** What the far end of a fake call says from its answer on (answering-machine detection). */
export interface HeardVoice {
  /** Silence before the first word. */
  startMs: number;
  /** One stretch of speech (a greeting or a short "hello"). */
  speechMs: number;
  /** A 500 ms beep right after the speech (an answering machine). */
  beep: boolean;
}

const FRAME_MS = 20;
/** After the silence frames FreeSWITCH keeps reading 25 more frames before it returns (switch_ivr_play_say.c). */
const COUNTDOWN_MS = 25 * FRAME_MS;

/**
 * `wait_for_silence <threshold> <silence frames> <listen frames> <timeout ms>` as
 * switch_ivr_wait_for_silence runs it, over the callee's {@link HeardVoice}: it returns once
 * `silence frames` quiet frames follow at least `listen frames` loud ones (plus its 25-frame
 * countdown), or at the timeout, and sets wait_for_silence_timeout / _listenhits / _silence_hits.
 * With mod_avmd started on the channel, a beep heard before it returns sets avmd_detect=TRUE.
 * Time is counted from the app's start, the first one starting at the answer.
 */
export class WaitForSilenceApp implements App {
  readonly name = 'wait_for_silence';
  private cancel: () => void = () => undefined;
  private done = false;

  constructor(
    private readonly ch: FakeChannel,
    readonly appId: string,
    readonly data: string,
  ) {}

  start(): void {
    const [, silenceFrames = 40, listenFrames = 0, capMs = 0] = this.data.split(/\s+/).map(Number);
    const voice = this.ch.heard;
    const t0 = this.ch.audioAt;
    const cap = capMs > 0 ? capMs : Number.MAX_SAFE_INTEGER;
    const quietMs = silenceFrames * FRAME_MS + COUNTDOWN_MS;
    const speechEnd = voice ? voice.startMs + voice.speechMs + (voice.beep ? 500 : 0) : 0;
    const heardSomething = voice !== undefined && speechEnd > t0;
    let doneAt: number;
    let timeout: boolean;
    if (!heardSomething && listenFrames > 0) {
      doneAt = t0 + cap;
      timeout = true;
    } else {
      const quietAt = Math.max(t0, speechEnd) + quietMs;
      timeout = quietAt - t0 > cap;
      doneAt = timeout ? t0 + cap : quietAt;
    }
    const talkStart = voice ? Math.max(t0, voice.startMs) : 0;
    const hits = voice ? Math.max(0, Math.round((Math.min(doneAt, speechEnd) - talkStart) / FRAME_MS)) : 0;
    this.cancel = this.ch.after(doneAt - t0, () => {
      if (this.done) return;
      this.done = true;
      this.ch.audioAt = doneAt;
      this.ch.vars.set('wait_for_silence_timeout', timeout ? 'true' : 'false');
      this.ch.vars.set('wait_for_silence_listenhits', String(hits));
      this.ch.vars.set('wait_for_silence_silence_hits', String(timeout ? silenceFrames : 0));
      if (this.ch.vars.get('avmd_started') === 'true' && voice?.beep && doneAt >= speechEnd) this.ch.vars.set('avmd_detect', 'TRUE');
      this.ch.complete(this, '_none_');
    });
  }

  digit(): void {}

  /** switch_ivr_wait_for_silence reads frames until its own end: uuid_break does not stop it. */
  break(): void {}

  hangup(): void {
    if (this.done) return;
    this.done = true;
    this.cancel();
    this.ch.complete(this, '_none_');
  }
}
