import { calleeFor, causeText, SILENT_AMD, type Callee } from './callees';
import { ariTime, channelJson, event, playbackJson, type FakeChannel, type FakePlayback } from './snapshots';

type Emit = (app: string, ev: Record<string, unknown>) => void;

interface Live {
  ch: FakeChannel;
  /** Local channels have a `;2` half running the callee's dialplan. */
  half: FakeChannel | undefined;
  app: string;
  tech: 'Local' | 'PJSIP';
  callee: Callee;
  inStasis: boolean;
  playback: FakePlayback | undefined;
  timers: Set<NodeJS.Timeout>;
  /** Channel variables set through ARI or by the dialplan. */
  vars: Map<string, string>;
}

/**
 * Channel life cycles of the fake Asterisk: the event sequences of the recordings
 * (test/fixtures/ari/cases), per technology (Local/… vs PJSIP/…).
 */
export class CallEngine {
  readonly channels = new Map<string, Live>();
  private seq = 0;

  constructor(
    private readonly emit: Emit,
    private readonly scale: () => number,
    private readonly mediaMs: (uri: string) => number,
  ) {}

  /** POST /channels. Returns the channel JSON, or an HTTP error. */
  originate(q: { endpoint: string; app: string; callerId?: string; timeoutSec: number; channelId?: string }): { status: number; body: unknown } {
    const m = /^(Local|PJSIP)\/([^@/]+)(?:@([A-Za-z0-9_.-]+))?$/.exec(q.endpoint);
    if (!m) return { status: 500, body: { error: 'Allocation failed' } };
    const tech = m[1] as 'Local' | 'PJSIP';
    const exten = m[2] as string;
    // PJSIP/<number>@<trunk> needs a trunk; PJSIP/<name> alone is an unknown endpoint here
    if (tech === 'PJSIP' && m[3] === undefined) return { status: 500, body: { error: 'Allocation failed' } };
    const id = q.channelId ?? `fake-${++this.seq}`;
    if (this.channels.has(id)) return { status: 409, body: { message: 'Channel with given unique ID already exists' } };
    const n = String(++this.seq).padStart(8, '0');
    const caller = /<?(\+?\d+)>?\s*$/.exec(q.callerId ?? '')?.[1] ?? '';
    const context = m[3] ?? 'qa';
    const base = { callerNumber: caller, callerName: '', exten, context, created: ariTime() };
    const ch: FakeChannel =
      tech === 'Local'
        ? { ...base, id, name: `Local/${exten}@${context}-${n};1`, state: 'Down', appName: 'AppDial2', appData: '(Outgoing Line)' }
        : { ...base, id, name: `PJSIP/${m[3]}-${n}`, state: 'Down', appName: 'AppDial2', appData: '(Outgoing Line)' };
    const half: FakeChannel | undefined =
      tech === 'Local' ? { ...base, id: `${id};2`, name: `Local/${exten}@${context}-${n};2`, state: 'Ring', appName: '', appData: '' } : undefined;
    const live: Live = { ch, half, app: q.app, tech, callee: calleeFor(exten).callee, inStasis: false, playback: undefined, timers: new Set(), vars: new Map() };
    this.channels.set(id, live);
    const body = channelJson(ch);
    // the 200 precedes the first event (rest-calls.md §3)
    this.after(live, 1, () => this.dial(live, q.timeoutSec * 1000));
    return { status: 200, body };
  }

  get(id: string): Live | undefined {
    return this.channels.get(id);
  }

  list(): unknown[] {
    return [...this.channels.values()].flatMap((l) => [channelJson(l.ch), ...(l.half ? [channelJson(l.half)] : [])]);
  }

  /**
   * DELETE /channels/{id}: our side hangs up (cause 32 soft, then 16). Answered: as in
   * rest-calls.md §6. Still ringing: as captured on Asterisk 22.10.1 for this fake — Dial says
   * NOANSWER (not CANCEL) and the `;2` half is destroyed first.
   */
  hangup(id: string): boolean {
    const live = this.channels.get(id);
    if (!live) return false;
    this.clear(live);
    this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.ch) }, { cause: 32, soft: true });
    if (!live.inStasis) {
      this.ev(live, 'Dial', { dialstatus: 'NOANSWER', forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
      if (live.half) {
        this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16 });
        this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16, soft: true });
        this.destroy(live, live.half, 16);
      }
      this.destroy(live, live.ch, 16);
      this.channels.delete(id);
      return true;
    }
    this.failPlayback(live);
    this.leaveStasis(live);
    if (live.half) this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16 });
    this.destroy(live, live.ch, 16);
    if (live.half) {
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16, soft: true });
      this.destroy(live, live.half, 16);
    }
    this.channels.delete(id);
    return true;
  }

  play(id: string, media: string[], playbackId: string): FakePlayback | undefined {
    const live = this.channels.get(id);
    if (!live) return undefined;
    const pb: FakePlayback = { id: playbackId, media, index: 0, channelId: id, state: 'queued' };
    if (live.playback) this.stopPlayback(live.playback.id); // the fake plays one at a time
    live.playback = pb;
    this.after(live, 2, () => this.playItem(live, pb));
    return pb;
  }

  /**
   * POST /channels/{id}/continue: the channel leaves Stasis for the dialplan. Only the context of
   * dialplan/asterisk that runs AMD() is modelled (test/fixtures/ari/cases/amd-*.json): StasisEnd,
   * AMD() hears the callee, AMDSTATUS/AMDCAUSE are set, Stasis() brings it back with `amd`.
   */
  continueTo(id: string, context: string, exten: string): { status: number; body?: unknown } {
    const live = this.channels.get(id);
    if (!live) return { status: 404, body: { message: 'Channel not found' } };
    if (!live.inStasis) return { status: 409, body: { message: 'Channel not in Stasis application' } };
    if (context !== 'pbxverify-amd' || (exten !== 'hangup' && exten !== 'wait_for_beep')) return { status: 400, body: { message: 'the fake runs only the pbxverify-amd context' } };
    const amd = (live.callee.kind === 'answer' ? live.callee.amd : undefined) ?? SILENT_AMD;
    this.failPlayback(live);
    // the app stays subscribed to the channel it originated: its dialplan steps keep coming
    live.inStasis = false;
    this.ev(live, 'StasisEnd', { channel: channelJson(live.ch) });
    live.ch.appName = 'AMD';
    this.ev(live, 'ChannelDialplan', { dialplan_app: 'AMD', dialplan_app_data: '', channel: channelJson(live.ch) });
    const setVar = (variable: string, value: string): void => {
      live.vars.set(variable, value);
      this.ev(live, 'ChannelVarset', { channel: channelJson(live.ch) }, { variable, value });
    };
    const waitBeep = exten === 'wait_for_beep' && amd.status === 'MACHINE';
    this.after(live, amd.decideMs, () => {
      setVar('AMDSTATUS', amd.status);
      setVar('AMDCAUSE', amd.cause);
    });
    this.after(live, waitBeep ? (amd.beepMs ?? amd.decideMs) : amd.decideMs, () => {
      if (waitBeep) setVar('PBXVERIFY_BEEP', amd.beepMs === undefined ? '0' : '1');
      live.ch.appName = 'Stasis';
      this.ev(live, 'ChannelVarset', { channel: channelJson(live.ch) }, { variable: 'STASISSTATUS', value: '' });
      live.inStasis = true;
      this.emit(live.vars.get('PBXVERIFY_AMD_APP') ?? live.app, event('StasisStart', live.app, { args: ['amd'], channel: channelJson(live.ch) }));
    });
    return { status: 204 };
  }

  stopPlayback(playbackId: string): boolean {
    for (const live of this.channels.values()) {
      if (live.playback?.id === playbackId) {
        const pb = live.playback;
        live.playback = undefined;
        pb.state = 'done'; // Asterisk reports a stopped playback as "done"
        this.ev(live, 'PlaybackFinished', { playback: playbackJson(pb) });
        return true;
      }
    }
    return false;
  }

  /** Drops every channel without events (the PBX restarted). */
  reset(): void {
    for (const live of this.channels.values()) this.clear(live);
    this.channels.clear();
  }

  private dial(live: Live, timeoutMs: number): void {
    const { ch, half, callee } = live;
    const peer = (): Record<string, unknown> => channelJson(ch);
    const dialEv = (status: string): void => this.ev(live, 'Dial', { dialstatus: status, forward: '', dialstring: this.dialstring(live), peer: peer() });
    if (half) {
      this.ev(live, 'ChannelCallerId', { caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened', channel: channelJson(half) });
      this.ev(live, 'ChannelConnectedLine', { channel: channelJson(half) });
      if (callee.kind === 'nonexistent') {
        // test/fixtures/ari/cases/nonexistent-exten.json: no Dial, causes 0
        this.destroy(live, half, 0);
        this.destroy(live, ch, 0);
        this.channels.delete(ch.id);
        return;
      }
      dialEv('');
      this.ev(live, 'ChannelDialplan', { dialplan_app: 'AppDial2', dialplan_app_data: '(Outgoing Line)', channel: channelJson(half) });
      this.ev(live, 'ChannelDialplan', { dialplan_app: 'Answer', dialplan_app_data: '', channel: channelJson(half) });
    } else {
      dialEv('');
      if (callee.kind === 'nonexistent') return this.failPjsip(live, 'CHANUNAVAIL', 1, 404);
    }
    switch (callee.kind) {
      case 'fail':
        return half ? this.failLocal(live, callee) : this.failPjsip(live, callee.status, callee.cause, callee.sip);
      case 'noanswer':
        return this.ring(live, timeoutMs);
      case 'answer':
        if (callee.ringMs === 0 && half) return this.answer(live, callee);
        this.ringing(live);
        if (callee.ringMs * this.scale() >= timeoutMs * this.scale()) return this.ring(live, timeoutMs);
        this.after(live, callee.ringMs, () => this.answer(live, callee));
        return;
      default:
        return;
    }
  }

  private ringing(live: Live): void {
    live.ch.state = 'Ringing';
    this.ev(live, 'ChannelStateChange', { channel: channelJson(live.ch) });
    this.ev(live, 'Dial', { dialstatus: 'RINGING', forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
  }

  /** Rings until the originate timeout: cause 19, no final Dial (noanswer, pjsip-sipp-noanswer). */
  private ring(live: Live, timeoutMs: number): void {
    if (live.ch.state !== 'Ringing') this.ringing(live);
    this.afterReal(live, timeoutMs * this.scale(), () => {
      if (live.half) this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 19 });
      this.destroy(live, live.ch, 19, live.half ? undefined : 480);
      if (live.half) {
        this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16, soft: true });
        this.destroy(live, live.half, 19);
      }
      this.channels.delete(live.ch.id);
    });
  }

  private failLocal(live: Live, callee: Extract<Callee, { kind: 'fail' }>): void {
    const half = live.half as FakeChannel;
    if (callee.status === 'BUSY' || callee.status === 'CONGESTION') {
      // busy / congestion: Dial says it; the originated ;1 is destroyed with cause 0
      half.state = 'Busy';
      this.ev(live, 'ChannelStateChange', { channel: channelJson(half) });
      this.ev(live, 'Dial', { dialstatus: callee.status, forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(half) }, { cause: 0 });
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(half) }, { cause: 16, soft: true });
      this.destroy(live, live.ch, 0);
      this.destroy(live, half, callee.cause);
    } else {
      // reject / unallocated / hangup-immediately: Dial NOANSWER, the cause tells
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(half) }, { cause: 16, soft: true });
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.ch) }, { cause: callee.cause });
      this.destroy(live, half, callee.cause);
      this.ev(live, 'Dial', { dialstatus: 'NOANSWER', forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
      this.destroy(live, live.ch, callee.cause);
    }
    this.channels.delete(live.ch.id);
  }

  /** pjsip-sipp-busy: hang-up request with cause + tech_cause, Dial, destroyed. Others extrapolated. */
  private failPjsip(live: Live, status: string, cause: number, sip: number): void {
    this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.ch) }, { cause, tech_cause: sip });
    this.ev(live, 'Dial', { dialstatus: status, forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
    this.destroy(live, live.ch, cause, sip);
    this.channels.delete(live.ch.id);
  }

  private answer(live: Live, callee: Extract<Callee, { kind: 'answer' }>): void {
    if (live.half) {
      live.half.state = 'Up';
      this.ev(live, 'ChannelStateChange', { channel: channelJson(live.half) });
    }
    live.ch.state = 'Up';
    this.ev(live, 'ChannelStateChange', { channel: channelJson(live.ch) });
    this.ev(live, 'Dial', { dialstatus: 'ANSWER', forward: '', dialstring: this.dialstring(live), peer: channelJson(live.ch) });
    this.ev(live, 'ChannelVarset', { channel: channelJson(live.ch) }, { variable: 'STASISSTATUS', value: '' });
    live.ch.appName = 'Stasis';
    live.inStasis = true;
    this.ev(live, 'StasisStart', { args: ['out'], channel: channelJson(live.ch) });
    if (callee.digits) {
      const { afterMs, spacingMs, keys } = callee.digits;
      // chained, not scheduled all at once: Node runs timers of different durations out of
      // order when the loop lags, and a callee never presses 3 before 2
      const press = (i: number): void => {
        const digit = keys[i];
        if (digit === undefined) return;
        this.after(live, i === 0 ? afterMs : spacingMs, () => {
          this.ev(live, 'ChannelDtmfReceived', { digit, duration_ms: 100, channel: channelJson(live.ch) });
          press(i + 1);
        });
      };
      press(0);
    }
    this.after(live, callee.hangupAfterMs, () => this.remoteHangup(live));
  }

  /** The callee hangs up an answered call (answer-and-hangup; pjsip-sipp-answer-dtmf: no cause, then 0). */
  private remoteHangup(live: Live): void {
    this.clear(live);
    if (live.half) {
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.half) }, { cause: 16, soft: true });
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.ch) }, { cause: 16 });
      this.destroy(live, live.half, 16);
    } else {
      this.ev(live, 'ChannelHangupRequest', { channel: channelJson(live.ch) });
    }
    this.failPlayback(live);
    this.leaveStasis(live);
    this.destroy(live, live.ch, live.half ? 16 : 0);
    this.channels.delete(live.ch.id);
  }

  private playItem(live: Live, pb: FakePlayback): void {
    if (live.playback !== pb) return;
    pb.state = 'playing';
    this.ev(live, 'PlaybackStarted', { playback: playbackJson(pb) });
    this.afterReal(live, this.mediaMs(pb.media[pb.index] as string) * this.scale(), () => {
      if (live.playback !== pb) return;
      if (pb.index + 1 < pb.media.length) {
        pb.state = 'continuing';
        this.ev(live, 'PlaybackContinuing', { playback: playbackJson(pb) });
        pb.index++;
        this.playItem(live, pb);
      } else {
        pb.state = 'done';
        live.playback = undefined;
        this.ev(live, 'PlaybackFinished', { playback: playbackJson(pb) });
      }
    });
  }

  private failPlayback(live: Live): void {
    const pb = live.playback;
    if (!pb) return;
    live.playback = undefined;
    pb.state = 'failed';
    this.ev(live, 'PlaybackFinished', { playback: playbackJson(pb) });
  }

  private leaveStasis(live: Live): void {
    if (!live.inStasis) return;
    live.inStasis = false;
    this.ev(live, 'StasisEnd', { channel: channelJson(live.ch) });
    this.ev(live, 'ChannelVarset', { channel: channelJson(live.ch) }, { variable: 'STASISSTATUS', value: 'SUCCESS' });
  }

  private destroy(live: Live, ch: FakeChannel, cause: number, sip?: number): void {
    this.ev(live, 'ChannelDestroyed', { cause, cause_txt: causeText(cause), ...(sip !== undefined ? { tech_cause: sip } : {}), channel: channelJson(ch) });
  }

  private dialstring(live: Live): string {
    return `${live.ch.exten}@${live.ch.context}`;
  }

  private ev(live: Live, type: string, fields: Record<string, unknown>, leading: Record<string, unknown> = {}): void {
    this.emit(live.app, event(type, live.app, fields, leading));
  }

  /** Runs `fn` after a callee duration (scaled). */
  private after(live: Live, ms: number, fn: () => void): void {
    this.afterReal(live, ms * this.scale(), fn);
  }

  private afterReal(live: Live, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      live.timers.delete(timer);
      fn();
    }, ms);
    live.timers.add(timer);
  }

  private clear(live: Live): void {
    for (const t of live.timers) clearTimeout(t);
    live.timers.clear();
  }
}
