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
  type Pbx,
  type PbxHealth,
} from '../port';
import { renderDial } from '../dial-template';
import { BEHAVIOURS, DEFAULT_TEST_NUMBERS, FAILURE_CAUSES, simulatedAmd, type CalleeBehaviour } from './behaviours';
import { SimulatedCall, type SimCallLog, type SimEnv } from './simulated-call';

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
    const waited = await this.waitScaled(ringMs, opts);
    const at = this.opts.clock.now();
    if (waited !== 'elapsed') {
      const outcome = waited === 'aborted' ? 'canceled' : 'failed';
      log.events.push({ t: at, type: 'failed', outcome });
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
