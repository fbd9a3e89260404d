import type { CallEnd } from '../pbx/port';
import type { Verdict } from './causes';

export interface BreakerSettings {
  /** Calls in the sliding window. */
  window: number;
  /** Fewest calls in the window before the ratio rule applies. */
  minCalls: number;
  /** Answer-seizure ratio below which the breaker opens (0: rule off). */
  minAsr: number;
  /** Trunk-cause failures in a row that open the breaker. */
  maxConsecutiveFailures: number;
  /** Rest before one probe call. */
  openMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One trunk's breaker and figures. Closed: calls go. Open (the answer-seizure ratio of the last
 * `window` calls fell below `minAsr`, or `maxConsecutiveFailures` trunk-cause failures came in a
 * row): the trunk is out of rotation for `openMs`. Then half-open: ONE probe call goes; an answer
 * or a person-cause end (the trunk carried the call) closes it with a fresh window, a trunk cause
 * opens it again. Per engine: each engine judges the trunks from the calls it placed.
 */
export class TrunkHealth {
  private state: BreakerState = 'closed';
  private openUntil = 0;
  private probing = false;
  private readonly recent: boolean[] = [];
  private answeredInWindow = 0;
  private consecutive = 0;
  // figures since start
  attempts = 0;
  answered = 0;
  private talkMs = 0;
  private talkCalls = 0;
  private pddMs = 0;
  private pddCalls = 0;
  inFlight = 0;
  opened = 0;
  readonly failures = new Map<string, number>();
  readonly verdicts = { trunk: 0, person: 0, ours: 0 };
  lastOpenReason: string | undefined;

  constructor(
    readonly name: string,
    private settings: BreakerSettings,
  ) {}

  /** New settings on reload; the state and figures stay. */
  configure(settings: BreakerSettings): void {
    this.settings = settings;
  }

  /** May a call go on this trunk now? Takes the probe slot when half-open. */
  admit(now: number): boolean {
    if (this.state === 'open') {
      if (now < this.openUntil) return false;
      this.state = 'half-open';
      this.probing = false;
    }
    if (this.state === 'half-open') {
      if (this.probing) return false;
      this.probing = true;
    }
    return true;
  }

  /** A call admitted by {@link admit} was not placed after all: frees the probe slot. */
  abandon(): void {
    if (this.state === 'half-open') this.probing = false;
  }

  /** The state as seen now (an open breaker whose rest is over reads half-open). */
  stateAt(now: number): BreakerState {
    return this.state === 'open' && now >= this.openUntil ? 'half-open' : this.state;
  }

  /** A dial on this trunk is answered. `pddMs`: from handing it to the trunk to the answer. */
  onAnswered(pddMs: number): void {
    this.attempts++;
    this.answered++;
    this.pdd(pddMs);
    this.push(true);
    this.consecutive = 0;
    this.close();
  }

  /** An answered call on this trunk ended after `talkMs`. */
  onCallEnded(talkMs: number): void {
    this.talkMs += talkMs;
    this.talkCalls++;
  }

  /** A dial on this trunk did not answer. */
  onRefused(end: CallEnd, verdict: Verdict, pddMs: number, now: number): void {
    this.verdicts[verdict]++;
    if (verdict === 'ours') {
      if (this.state === 'half-open') this.probing = false;
      return;
    }
    this.attempts++;
    this.pdd(pddMs);
    const key = [end.outcome, end.cause.q850 !== undefined ? `q850=${end.cause.q850}` : '', end.cause.sip !== undefined ? `sip=${end.cause.sip}` : ''].filter(Boolean).join(' ');
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.push(false);
    if (verdict === 'person') {
      this.consecutive = 0;
      if (this.state === 'half-open') this.close();
      else this.checkRatio(now);
      return;
    }
    this.consecutive++;
    if (this.state === 'half-open') return this.open(now, 'probe refused by the trunk');
    if (this.consecutive >= this.settings.maxConsecutiveFailures) return this.open(now, `${this.consecutive} trunk-cause failures in a row`);
    this.checkRatio(now);
  }

  asr(): number | null {
    return this.recent.length === 0 ? null : this.answeredInWindow / this.recent.length;
  }

  describe(now: number): TrunkFigures {
    return {
      state: this.stateAt(now),
      open_until: this.state === 'open' ? new Date(this.openUntil).toISOString() : null,
      open_reason: this.state === 'closed' ? null : (this.lastOpenReason ?? null),
      attempts: this.attempts,
      answered: this.answered,
      asr_total: this.attempts === 0 ? null : round(this.answered / this.attempts),
      asr_window: this.asr() === null ? null : round(this.asr() as number),
      window_calls: this.recent.length,
      consecutive_trunk_failures: this.consecutive,
      in_flight: this.inFlight,
      average_call_duration_ms: this.talkCalls === 0 ? null : Math.round(this.talkMs / this.talkCalls),
      average_post_dial_delay_ms: this.pddCalls === 0 ? null : Math.round(this.pddMs / this.pddCalls),
      failures_by_cause: Object.fromEntries([...this.failures].sort()),
      times_opened: this.opened,
    };
  }

  private checkRatio(now: number): void {
    const { minAsr, minCalls } = this.settings;
    const asr = this.asr();
    if (minAsr > 0 && this.recent.length >= minCalls && asr !== null && asr < minAsr) this.open(now, `answer-seizure ratio ${round(asr)} below ${minAsr}`);
  }

  private open(now: number, reason: string): void {
    this.state = 'open';
    this.openUntil = now + this.settings.openMs;
    this.probing = false;
    this.lastOpenReason = reason;
    this.opened++;
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.probing = false;
    // A fresh window: the calls that opened the breaker must not open it again at once.
    this.recent.length = 0;
    this.answeredInWindow = 0;
    this.consecutive = 0;
  }

  private push(answered: boolean): void {
    this.recent.push(answered);
    if (answered) this.answeredInWindow++;
    while (this.recent.length > this.settings.window) if (this.recent.shift()) this.answeredInWindow--;
  }

  private pdd(ms: number): void {
    this.pddMs += Math.max(0, ms);
    this.pddCalls++;
  }
}

export interface TrunkFigures {
  state: BreakerState;
  open_until: string | null;
  open_reason: string | null;
  attempts: number;
  answered: number;
  asr_total: number | null;
  asr_window: number | null;
  window_calls: number;
  consecutive_trunk_failures: number;
  in_flight: number;
  average_call_duration_ms: number | null;
  average_post_dial_delay_ms: number | null;
  failures_by_cause: Record<string, number>;
  times_opened: number;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
