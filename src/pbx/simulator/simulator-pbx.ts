import { randomHex } from '../../lib/random';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock';
import { maskNumber } from '../../lib/mask';
import { messageBodyProblem, senderProblem } from '../../lib/sms-text';
import {
  callEnd,
  verificationIdOfTag,
  type MessageRequest,
  type MessageResult,
  type OperationOptions,
  type OriginateRequest,
  type OriginateResult,
  type InboundCall,
  type Pbx,
  type PbxHealth,
} from '../port';
import { renderDial } from '../dial-template';
import { BEHAVIOURS, DEFAULT_TEST_NUMBERS, FAILURE_CAUSES, simulatedAmd, type CalleeBehaviour } from './behaviours';
import { SimulatedCall, type SimCallLog, type SimEnv } from './simulated-call';

/** Time from the dial to the callee's 180 Ringing (simulated ms). */
const RING_SETUP_MS = 200;
/** A `calls-in` user dials the shown number this long after it appeared (simulated ms). */
const CALL_IN_DELAY_MS = 1_500;

/** A call a simulated user placed to one of the engine's numbers, and how the engine refused it. */
export interface SimInboundLog {
  id: string;
  from: string;
  did: string;
  at: number;
  rejected?: 'busy' | 'decline';
  rejectedAt?: number;
}

export interface SimMessage {
  id: string;
  /** The message request's tag: whose attempt sent it. */
  tag: string;
  to: string;
  from: string;
  body: string;
  at: number;
}

export interface SimulatorOptions {
  clock: Clock;
  logger: Logger;
  /** 1 = real time; 10 = ten times faster. */
  speed: number;
  /** Number → behaviour name; merged over {@link DEFAULT_TEST_NUMBERS}. */
  numbers?: Readonly<Record<string, string>>;
  /** Trunk → behaviour name: every call on that trunk dials out as that behaviour (`congestion` refuses with 503). */
  trunks?: Readonly<Record<string, string>>;
  /** Prompt durations, from the installed packs. */
  durationMs: (lang: string, promptId: string) => number;
  /** How many finished calls and messages to keep for QA. */
  keep?: number;
}

/**
 * The built-in PBX: the embedded default and the QA test numbers. Calls are simulated in
 * process with realistic timing (ring, answer, prompt durations, digit spacing) compressed by
 * a speed factor. Every call and message is logged for QA (`GET /v1/simulator/calls`).
 */
export class SimulatorPbx implements Pbx {
  readonly kind = 'simulator';
  private readonly numbers: Record<string, string>;
  private readonly calls: SimCallLog[] = [];
  private readonly messages: SimMessage[] = [];
  private readonly screens = new Map<string, string>();
  private readonly live = new Set<SimulatedCall>();
  private readonly env: SimEnv;
  private readonly keep: number;
  private running = false;
  private inbound: ((call: InboundCall) => void) | undefined;
  private readonly inboundLog: SimInboundLog[] = [];

  constructor(private readonly opts: SimulatorOptions) {
    this.numbers = { ...DEFAULT_TEST_NUMBERS, ...(opts.numbers ?? {}) };
    for (const [trunk, name] of Object.entries(opts.trunks ?? {})) {
      if (!BEHAVIOURS[name]) throw new Error(`simulator.trunks: ${trunk} has unknown behaviour "${name}" (known: ${Object.keys(BEHAVIOURS).join(', ')})`);
    }
    for (const [number, name] of Object.entries(this.numbers)) {
      if (!BEHAVIOURS[name]) throw new Error(`simulator.numbers: ${number} has unknown behaviour "${name}" (known: ${Object.keys(BEHAVIOURS).join(', ')})`);
    }
    this.keep = opts.keep ?? 1000;
    this.env = {
      clock: opts.clock,
      scaled: (ms) => Math.max(0, Math.round(ms / opts.speed)),
      unscaled: (realMs) => realMs * opts.speed,
      durationMs: opts.durationMs,
      // a verification's own screen first: another key's verification of the same number never shows here
      screen: (to, tag) => {
        const verificationId = verificationIdOfTag(tag);
        return (verificationId === undefined ? undefined : this.screens.get(`v:${verificationId}`)) ?? this.screens.get(`n:${to}`);
      },
    };
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const call of this.live) call.end('pbx');
  }

  health(): PbxHealth {
    return this.running ? { ready: true, detail: 'simulator' } : { ready: false, detail: 'simulator stopped' };
  }

  /** The behaviour a number gets. */
  behaviourOf(to: string): { name: string; behaviour: CalleeBehaviour } {
    const name = this.numbers[to] ?? 'human';
    return { name, behaviour: BEHAVIOURS[name] as CalleeBehaviour };
  }

  testNumbers(): Array<{ number: string; behaviour: string; description: string }> {
    return Object.entries(this.numbers).map(([number, name]) => ({
      number,
      behaviour: name,
      description: (BEHAVIOURS[name] as CalleeBehaviour).description,
    }));
  }

  /**
   * What the simulated user sees on the website (the code of a reverse verification): the screen
   * of that verification when its id is given (the engine's case), else of the number (QA calls).
   */
  showOnScreen(to: string, code: string, verificationId?: string): void {
    const key = verificationId === undefined ? `n:${to}` : `v:${verificationId}`;
    this.screens.delete(key);
    this.screens.set(key, code);
    if (this.screens.size > 10_000) this.screens.delete(this.screens.keys().next().value as string);
  }

  /** Calls, newest last (each with its attempt tag: the QA routes keep only the caller's). */
  callLogs(filter: { to?: string } = {}): SimCallLog[] {
    return this.calls.filter((c) => filter.to === undefined || c.to === filter.to);
  }

  messageLog(filter: { to?: string } = {}): SimMessage[] {
    return this.messages.filter((m) => filter.to === undefined || m.to === filter.to);
  }

  async originate(req: OriginateRequest, opts: OperationOptions): Promise<OriginateResult> {
    const now = this.opts.clock.now();
    if (!this.running) return { ok: false, end: callEnd('failed', 'pbx', { text: 'simulator stopped' }, now) };
    const trunkBehaviour = req.trunk !== undefined ? this.opts.trunks?.[req.trunk] : undefined;
    const { name, behaviour } = trunkBehaviour !== undefined ? { name: trunkBehaviour, behaviour: BEHAVIOURS[trunkBehaviour] as CalleeBehaviour } : this.behaviourOf(req.to);
    const id = `sim-${randomHex(6)}`;
    const log: SimCallLog = { id, tag: req.tag, to: req.to, lang: req.lang, behaviour: name, startedAt: now, events: [] };
    if (req.trunk !== undefined) log.trunk = req.trunk;
    if (req.callerId !== undefined) log.callerId = req.callerId;
    // The dial string a real PBX would get, through the same renderer: a bad one fails the dial as it would there.
    const template = req.dial?.asterisk ?? req.dial?.freeswitch;
    if (template !== undefined) {
      try {
        log.dial = renderDial(req.dial?.asterisk !== undefined ? 'asterisk' : 'freeswitch', template, { number: req.to, dialNumber: req.dialNumber, national: req.national, trunk: req.trunk });
      } catch (err) {
        this.remember(this.calls, log);
        return { ok: false, end: callEnd('failed', 'pbx', { text: `bad dial string: ${(err as Error).message}` }, now) };
      }
    }
    this.remember(this.calls, log);
    log.events.push({ t: now, type: 'dial', behaviour: name });
    const logger = this.opts.logger.child({ callId: id, dest: maskNumber(req.to) });
    logger.debug({ behaviour: name }, 'simulated dial');

    const ringMs = behaviour.dial === 'no-answer' ? req.ringTimeoutMs : Math.min(behaviour.ringMs, req.ringTimeoutMs);
    // The callee alerts after call set-up (180 Ringing) unless it fails at once or auto-answers.
    const alerts = behaviour.rings !== false && (behaviour.dial === 'answer' || behaviour.dial === 'no-answer' || behaviour.dial === 'rejected');
    const setupMs = alerts ? Math.min(RING_SETUP_MS, ringMs) : 0;
    let waited = await this.waitScaled(setupMs, opts);
    if (waited === 'elapsed' && alerts) {
      const ringAt = this.opts.clock.now();
      log.events.push({ t: ringAt, type: 'ringing' });
      req.onRinging?.({ at: ringAt, kind: 'ringing' });
    }
    if (waited === 'elapsed') waited = await this.waitScaled(ringMs - setupMs, opts);
    const at = this.opts.clock.now();
    if (waited !== 'elapsed') {
      const outcome = waited === 'aborted' ? 'canceled' : 'failed';
      log.events.push({ t: at, type: 'failed', outcome });
      if (waited === 'aborted') log.hungUpAt = at;
      return { ok: false, end: callEnd(outcome, 'local', { text: waited === 'aborted' ? 'ORIGINATOR_CANCEL' : 'TIMEOUT' }, at) };
    }
    if (behaviour.dial !== 'answer' || behaviour.ringMs > req.ringTimeoutMs) {
      const outcome = behaviour.dial === 'answer' ? 'no-answer' : behaviour.dial;
      log.events.push({ t: at, type: 'failed', outcome });
      return { ok: false, end: callEnd(outcome, 'remote', FAILURE_CAUSES[outcome === 'no-answer' ? 'no-answer' : behaviour.dial], at) };
    }
    log.events.push({ t: at, type: 'answered' });
    const call = new SimulatedCall(id, log, behaviour, this.env);
    this.live.add(call);
    void call.ended.then(() => this.live.delete(call));
    if (req.amd) {
      // detection listens before the call is handed over, as AMD() runs before Stasis on Asterisk
      const { verdict, afterMs } = simulatedAmd(behaviour, req.amd);
      const listened = await this.waitScaled(afterMs, opts);
      if (listened !== 'elapsed') {
        call.end('local');
        const outcome = listened === 'aborted' ? 'canceled' : 'failed';
        return { ok: false, end: callEnd(outcome, 'local', { text: listened === 'aborted' ? 'ORIGINATOR_CANCEL' : 'TIMEOUT' }, this.opts.clock.now()) };
      }
      call.amd = verdict;
      log.events.push({ t: this.opts.clock.now(), type: 'amd', result: verdict.result, ...(verdict.beep !== undefined ? { beep: verdict.beep } : {}) });
    }
    return { ok: true, call };
  }

  onInbound(listener: (call: InboundCall) => void): void {
    this.inbound = listener;
  }

  /**
   * A simulated user calls one of the engine's numbers. Resolves with how the engine refused it
   * (`busy` / `decline`), or `unanswered` when nobody listens or nothing refused it in 5 s.
   */
  placeInbound(call: { from: string; did: string; withheld?: boolean; attestation?: InboundCall['attestation'] }): Promise<SimInboundLog> {
    const log: SimInboundLog = { id: `simin-${randomHex(6)}`, from: call.from, did: call.did, at: this.opts.clock.now() };
    this.remember(this.inboundLog, log);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(log), 5_000);
      timer.unref();
      const listener = this.inbound;
      if (!listener || !this.running) return;
      listener({
        id: log.id,
        did: call.did,
        from: call.from,
        withheld: call.withheld ?? false,
        attestation: call.attestation,
        at: log.at,
        reject: async (how) => {
          if (log.rejected !== undefined) return;
          log.rejected = how;
          log.rejectedAt = this.opts.clock.now();
          clearTimeout(timer);
          resolve(log);
        },
      });
    });
  }

  /** Calls simulated users placed to the engine's numbers, newest last. */
  inboundLogs(filter: { from?: string } = {}): SimInboundLog[] {
    return this.inboundLog.filter((c) => filter.from === undefined || c.from === filter.from);
  }

  /** A missed-call verification shows `callTo`: a `calls-in` user calls it from its own number. */
  showCallTo(to: string, callTo: string): void {
    if (!this.behaviourOf(to).behaviour.callsIn) return;
    setTimeout(() => void this.placeInbound({ from: to, did: callTo }), this.env.scaled(CALL_IN_DELAY_MS)).unref();
  }

  async sendMessage(msg: MessageRequest, opts: OperationOptions): Promise<MessageResult> {
    if (!this.running) return { ok: false, error: 'failed', detail: 'simulator stopped' };
    if (opts.signal?.aborted) return { ok: false, error: 'failed', detail: 'aborted' };
    // The grammar real PBXs send in full (src/lib/sms-text.ts): QA sees the refusal they would give.
    const problem = senderProblem(msg.from) ?? messageBodyProblem(msg.body);
    if (problem !== undefined) return { ok: false, error: 'rejected', detail: problem };
    const { behaviour } = this.behaviourOf(msg.to);
    if (behaviour.dial === 'unreachable') return { ok: false, error: 'unreachable', detail: 'number does not exist' };
    const id = `simsms-${randomHex(6)}`;
    this.remember(this.messages, { id, tag: msg.tag, to: msg.to, from: msg.from, body: msg.body, at: this.opts.clock.now() });
    return { ok: true, messageId: id };
  }

  private remember<T>(list: T[], item: T): void {
    list.push(item);
    // Trim in batches: one splice per keep/2 entries instead of an O(n) shift per call.
    if (list.length >= this.keep * 1.5) list.splice(0, list.length - this.keep);
  }

  private waitScaled(simMs: number, opts: OperationOptions): Promise<'elapsed' | 'aborted' | 'timeout'> {
    return new Promise((resolve) => {
      if (opts.signal?.aborted) return resolve('aborted');
      const done = (result: 'elapsed' | 'aborted' | 'timeout'): void => {
        clearTimeout(ring);
        clearTimeout(deadline);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = (): void => done('aborted');
      const ring = setTimeout(() => done('elapsed'), this.env.scaled(simMs));
      const deadline = setTimeout(() => done('timeout'), this.env.scaled(opts.timeoutMs));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
