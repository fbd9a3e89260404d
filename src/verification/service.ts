import { randomInt } from 'node:crypto';
import type { ApiKeyConfig } from '../config/schema';
import { waitAtMost } from '../lib/abort';
import { AppError } from '../lib/errors';
import { newVerificationId } from '../lib/ids';
import { maskNumber } from '../lib/mask';
import type { Job } from '../store/port';
import { expireJob, expireJobId, stepJob, stepJobId } from './jobs';
import { isTerminal, type Attempt, type DomainEvent, type VerificationRecord } from './model';
import { parseE164 } from './numbers';
import { validateCandidate } from './codes';
import { amdFor, unlessGone } from './service-helpers';
import type { AttemptReport, HeldAttempt } from './ports';
import { approveByCall, CallerIdLines, flashCandidate, type InboundProof } from './caller-id-steps';
import { RecordWriter } from './record-writer';
import type { CheckResult, ServiceDeps, StartResult } from './service-deps';
import { buildStart, type StartInput } from './start-request';
import { advanceNow, applyCheck, completeAttempt, isOverdue, noteSms, startStep, terminalError, terminate } from './transitions';

export type { CheckResult, EngineMetrics, ServiceDeps, StartResult } from './service-deps';
const STOP_DRAIN_MS = 5_000; // how long stop() waits for aborted attempts to be recorded

interface RunningAttempt {
  n: number;
  controller: AbortController;
  done: Promise<void>; // settles once the attempt's end is recorded
}

/**
 * The verification engine: starts verifications, runs their workflow steps through the channel
 * runner, checks codes, and reports every change as a domain event. All state lives in the
 * store; writes are compare-and-set, so several engines can share one store.
 */
export class VerificationService {
  /** Attempts running in this process, by verification id (so cancel/approve can hang up). */
  private readonly running = new Map<string, RunningAttempt>();
  private stopping = false;
  private readonly writer: RecordWriter;
  private readonly lines: CallerIdLines;

  constructor(private readonly deps: ServiceDeps) {
    this.writer = new RecordWriter(deps.store, deps.clock, deps.retentionMs);
    this.lines = new CallerIdLines(deps);
  }

  /** Joins the other engines on the shared store (no-op with a single engine). */
  async open(): Promise<void> {
    await this.deps.peers?.start((attempt, reason) => this.abortHere(attempt.verificationId, reason, attempt.n));
  }

  async start(key: ApiKeyConfig, input: StartInput): Promise<StartResult> {
    const { clock, store, vault } = this.deps;
    const now = clock.now();
    const { record, code, number } = buildStart(input, key, this.deps.policy, vault, { id: newVerificationId(), now });
    if (record.callbackUrl !== undefined) await this.deps.urlGuard.check(record.callbackUrl);
    // Abuse controls last: only a request that is otherwise valid counts against the limits,
    // and only a start that is placed keeps its place in the quotas and the call rate.
    const admitted = await this.deps.admission?.admit({ key, number, channels: new Set(record.steps.map((s) => s.channel)), now });
    const replaceActive = input.replaceActive ?? key.replaceActive;
    const undo = async (err: unknown): Promise<never> => {
      await admitted?.release();
      await this.lines.release(record);
      throw err;
    };
    await this.lines.claimCallTo(record, number.country, now).catch(undo);
    const created = await store.create(record, { replaceActive, ttlMs: this.writer.ttl(record, now) }).catch(undo);
    if (!created.ok) return undo(new AppError('VERIFICATION_ACTIVE_EXISTS', { details: { id: created.activeId } }));
    this.deps.logger.info({ ...this.fields(record), workflow: record.workflow, lang: record.lang }, 'verification started');
    this.deps.metrics.started(record.workflow);
    await this.publish({ type: 'verification.started', record });
    if (created.replacedId !== undefined) await this.endVerification(created.replacedId, 'canceled').catch(() => undefined);
    await store.scheduleJobs([stepJob(record.id, 0, record.nextStepAt ?? now), expireJob(record.id, record.expiresAt)]);
    this.deps.scheduler.kick();
    if (record.missedCall) this.deps.onCallToShown?.(record.to, record.missedCall.callTo);
    return record.steps.some((s) => s.channel === 'reverse') ? { record, code } : { record };
  }

  /** A verification as the key that created it sees it; expires it first if overdue. */
  async get(key: ApiKeyConfig, id: string): Promise<VerificationRecord> {
    const record = await this.deps.store.get(id);
    if (!record || record.keyId !== key.id) throw new AppError('VERIFICATION_NOT_FOUND');
    if (isOverdue(record, this.deps.clock.now())) return (await this.expireIfDue(id)) ?? record;
    return record;
  }

  async check(key: ApiKeyConfig, id: string, code: string): Promise<CheckResult> {
    validateCandidate(code);
    return this.checkRecord(key.id, id, code);
  }

  /** Check by number (seed 001): the latest verification for that number under this key. */
  async checkByNumber(key: ApiKeyConfig, to: string, code: string): Promise<CheckResult> {
    validateCandidate(code);
    const number = parseE164(to);
    const record = await this.deps.store.findByNumber(key.id, number.e164);
    if (!record) throw new AppError('VERIFICATION_NOT_FOUND');
    return this.checkRecord(key.id, record.id, code);
  }

  async cancel(key: ApiKeyConfig, id: string): Promise<VerificationRecord> {
    await this.get(key, id);
    return this.endVerification(id, 'canceled');
  }

  /** Runs the next workflow step now (Vonage's trigger_next_event). */
  async next(key: ApiKeyConfig, id: string): Promise<VerificationRecord> {
    await this.get(key, id);
    const now = this.deps.clock.now();
    const moved = await this.writer.mutate(id, (record) => {
      if (record.status !== 'pending') throw terminalError(record);
      return advanceNow(record, now, record.expirySeconds);
    });
    if (!moved) return this.get(key, id); // an earlier `next` made the step due; not run yet
    const { after } = moved;
    await this.deps.store.scheduleJobs([stepJob(id, after.nextStep, now), expireJob(id, after.expiresAt)]);
    this.deps.scheduler.kick();
    return after;
  }

  /** Runs a due job (called by the scheduler, exactly once per job across engines). */
  async runJob(job: Job): Promise<void> {
    if (job.kind === 'expire') {
      const record = await this.expireIfDue(job.verificationId);
      if (record?.status === 'pending') await this.deps.store.scheduleJob(expireJob(record.id, record.expiresAt));
      return;
    }
    if (job.step !== undefined) await this.runStep(job.verificationId, job.step);
  }

  /**
   * Stops accepting work, aborts attempts running here and waits (up to a few seconds) until
   * their ends are recorded; whatever is still held then is finished by another engine.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const pending = [...this.running.values()];
    for (const run of pending) run.controller.abort(new Error('engine stopping'));
    await waitAtMost(Promise.all(pending.map((run) => run.done)), STOP_DRAIN_MS);
    await this.deps.peers?.stop();
  }

  /**
   * Scale-out housekeeping, run periodically: finishes the attempts of engines that died
   * (result `error`, so the workflow goes on), and stops attempts running here that the store
   * says are over (an abort request from another engine may have been lost). Returns how many
   * orphaned attempts it finished.
   */
  async sweep(): Promise<number> {
    const peers = this.deps.peers;
    let finished = 0;
    if (peers && !this.stopping) {
      for (const orphan of await peers.claimOrphans(50)) {
        this.deps.logger.warn({ verificationId: orphan.verificationId, attempt: orphan.n, instance: orphan.instance }, 'finishing attempt of a stopped engine');
        await this.finishAttempt(orphan.verificationId, orphan.n, {
          result: 'error',
          detail: `engine instance ${orphan.instance} stopped while running this attempt`,
        });
        await peers.release({ verificationId: orphan.verificationId, n: orphan.n });
        finished++;
      }
    }
    for (const [id, run] of this.running) {
      const record = await this.deps.store.get(id);
      const attempt = record?.attempts.find((a) => a.n === run.n);
      if (!record || record.status !== 'pending' || attempt?.status !== 'running') {
        run.controller.abort(new Error(record ? `verification ${record.status}` : 'verification gone'));
      }
    }
    return finished;
  }

  /** The user's call reached the DID this verification holds (src/inbound/): approved; false when no longer pending. */
  async approveByCall(id: string, proof: InboundProof): Promise<boolean> {
    const outcome = await this.writer.mutate(id, (record) => approveByCall(record, proof)).catch(() => undefined);
    if (!outcome) return false;
    const attempt = outcome.after.attempts.find((a) => a.channel === 'missed_call' && a.result === 'matched' && a.endedAt === proof.at);
    if (attempt) await this.publish({ type: 'attempt.completed', record: outcome.after, attempt, cdr: { ringingAt: proof.at, endedAt: proof.at, billsec: 0 } });
    return this.settle(outcome.after).then(() => true);
  }

  runningAttempts = (): number => this.running.size;

  /** One read and one compare-and-set write (the hot path: no separate ownership read). */
  private async checkRecord(keyId: string, id: string, code: string): Promise<CheckResult> {
    const now = this.deps.clock.now();
    let verdict: { verified: boolean; attemptsRemaining: number } | undefined;
    let overdue = false;
    const { after } = await this.writer.mutateOrThrow(id, (record) => {
      if (record.keyId !== keyId) throw new AppError('VERIFICATION_NOT_FOUND');
      if (isOverdue(record, now)) {
        overdue = true;
        throw terminalError({ ...record, status: 'expired' });
      }
      const outcome = applyCheck(record, this.deps.vault.matches(id, flashCandidate(record, code), record.codeHash), now);
      verdict = { verified: outcome.verified, attemptsRemaining: outcome.attemptsRemaining };
      return outcome.record;
    }).catch(async (err: unknown) => {
      this.deps.metrics.check('refused');
      // Expired but not yet marked (its expiry job is due): mark it now, then refuse.
      if (overdue) await this.expireIfDue(id);
      throw err;
    });
    const result = verdict as { verified: boolean; attemptsRemaining: number };
    this.deps.metrics.check(result.verified ? 'approved' : 'wrong');
    // debug, not info: one line per check was a measured share of a check's CPU (issue 18).
    this.deps.logger.debug({ ...this.fields(after), verified: result.verified, remaining: result.attemptsRemaining }, 'code checked');
    if (isTerminal(after.status)) await this.settle(after);
    return { record: after, ...result };
  }

  private async runStep(id: string, index: number): Promise<void> {
    if (this.stopping) return;
    const now = this.deps.clock.now();
    const current = await this.deps.store.get(id); // one read: the flash check and the start's compare-and-set share it
    const flash = await this.lines.flashFor(id, current, index, now);
    let attempt: Attempt | undefined;
    let plaintext: string | undefined;
    const outcome = await this.writer.mutate(id, (record) => {
      if (record.status !== 'pending' || record.nextStep !== index || record.codeSealed === undefined) return undefined;
      const step = record.steps[index];
      if (!step) return undefined;
      let code: { hash: string; sealed: string } | undefined;
      // A Vonage-style code that outlived its lifetime is replaced even by a `same` step.
      const expired = record.codeLifetimeSeconds !== undefined && now >= record.codeExpiresAt;
      if (flash && step.channel === 'flash_call') {
        plaintext = flash.code;
        code = { hash: this.deps.vault.hash(id, plaintext), sealed: this.deps.vault.seal(id, plaintext) };
      } else if ((step.code === 'new' || expired) && index > 0 && !record.customCode) {
        plaintext = this.deps.vault.generate(record.codeLength);
        code = { hash: this.deps.vault.hash(id, plaintext), sealed: this.deps.vault.seal(id, plaintext) };
      } else {
        plaintext = this.deps.vault.unseal(id, record.codeSealed);
      }
      const started = startStep(record, index, now, record.expirySeconds, code, this.deps.instanceId);
      attempt = started.attempt;
      return started.record;
    }, current).catch(unlessGone);
    if (!outcome || !attempt || plaintext === undefined) {
      if (flash) await this.deps.flash?.release(outcome?.after.to ?? '', flash.callerId, id);
      return;
    }
    const record = outcome.after;
    if (flash) await this.lines.release(outcome.before, flash.callerId);
    this.abortAttempts(outcome.before, 'next step started');
    await this.deps.store.scheduleJobs([...(record.nextStepAt !== undefined ? [stepJob(id, record.nextStep, record.nextStepAt)] : []), expireJob(id, record.expiresAt)]);
    await this.publish({ type: 'attempt.started', record, attempt });
    if (attempt.channel === 'reverse') this.deps.onCodeShown?.(record.to, plaintext, record.id);
    const held: HeldAttempt = { verificationId: id, n: attempt.n };
    await this.deps.peers?.hold(held).catch((err: unknown) => this.deps.logger.warn({ ...this.fields(record), err }, 'could not register attempt with peers'));
    this.launch(record, attempt, plaintext, held, flash?.callerId);
  }

  /** Runs the channel script in the background; its report completes the attempt. */
  private launch(record: VerificationRecord, attempt: Attempt, code: string, held: HeldAttempt, flashCallerId?: string): void {
    const controller = new AbortController();
    let finished!: () => void;
    const run: RunningAttempt = { n: attempt.n, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    this.running.set(record.id, run);
    // Fields, not a child logger: a child per attempt cost a measured share of a start (issue 18).
    const logger = this.deps.logger;
    const at = { ...this.fields(record), attempt: attempt.n, channel: attempt.channel };
    const { vault, clock } = this.deps;
    const codeHash = record.codeHash;
    const codeExpiresAt = record.codeExpiresAt;
    let latest = record; // the version written last here: the attempt's end is one compare-and-set on it (issue 18)
    void this.deps.runner
      .run(
        {
          verificationId: record.id,
          attempt,
          channel: attempt.channel,
          to: record.to,
          lang: record.lang,
          code,
          matches: (digits) => /^[0-9]{1,20}$/.test(digits) && vault.matches(record.id, digits, codeHash) && clock.now() < codeExpiresAt,
          callerId: record.callerId,
          sender: record.sender,
          brand: record.brand,
          template: record.template,
          gateDigit: record.gate && attempt.channel === 'call' ? String(randomInt(1, 10)) : undefined,
          leadInMs: record.leadInMs,
          flash: flashCallerId !== undefined && this.deps.flash ? { callerId: flashCallerId, capMs: this.deps.flash.capMs } : undefined,
          amd: amdFor(record, attempt.n),
          onSmsSubmitted: (sms) => void this.noteSms(record.id, attempt.n, sms, latest).then((after) => (latest = after ?? latest), (err: unknown) => logger.warn({ ...at, err }, 'could not record sms submission')),
        },
        controller.signal,
      )
      .catch((err: unknown): AttemptReport => {
        logger.error({ ...at, err }, 'channel script failed');
        return { result: 'error', detail: 'internal error' };
      })
      .then(async (report) => {
        if (this.running.get(record.id) === run) this.running.delete(record.id);
        if (logger.isLevelEnabled('debug')) logger.debug({ ...at, result: report.result, outcome: report.outcome }, 'attempt completed');
        await this.finishAttempt(record.id, attempt.n, report, latest);
        await this.deps.peers?.release(held).catch((err: unknown) => logger.warn({ ...at, err }, 'could not release attempt with peers'));
      })
      .catch((err: unknown) => logger.error({ ...at, err }, 'could not record attempt'))
      .finally(finished);
  }

  private async finishAttempt(id: string, n: number, report: AttemptReport, known?: VerificationRecord): Promise<void> {
    const now = this.deps.clock.now();
    const outcome = await this.writer.mutate(id, (record) => completeAttempt(record, n, report, now), known).catch(unlessGone);
    if (!outcome) return;
    const attempt = outcome.after.attempts.find((a) => a.n === n) as Attempt;
    this.deps.metrics.attempt(attempt.channel, attempt.result ?? 'unknown', attempt.outcome);
    await this.publish({ type: 'attempt.completed', record: outcome.after, attempt, cdr: report.cdr });
    if (isTerminal(outcome.after.status) && !isTerminal(outcome.before.status)) await this.settle(outcome.after);
    else if (report.advance && outcome.after.status === 'pending' && outcome.after.nextStep < outcome.after.steps.length) await this.advanceEarly(id);
  }

  /** An SMS that the gateway accepted: recorded on the running attempt, announced as `attempt.updated`. */
  private async noteSms(id: string, n: number, sms: NonNullable<Attempt['sms']>, known: VerificationRecord): Promise<VerificationRecord | undefined> {
    const outcome = await this.writer.mutate(id, (record) => noteSms(record, n, sms, this.deps.clock.now()), known);
    const attempt = outcome?.after.attempts.find((a) => a.n === n);
    if (outcome && attempt) await this.publish({ type: 'attempt.updated', record: outcome.after, attempt });
    return outcome?.after;
  }

  /** A failure receipt: the next workflow step runs now rather than at its planned time. */
  private async advanceEarly(id: string): Promise<void> {
    const now = this.deps.clock.now();
    const outcome = await this.writer.mutate(id, (record) =>
      record.status === 'pending' && record.nextStep < record.steps.length ? advanceNow(record, now, record.expirySeconds) : undefined,
    );
    if (!outcome) return;
    await this.deps.store.scheduleJobs([stepJob(id, outcome.after.nextStep, now), expireJob(id, outcome.after.expiresAt)]);
    this.deps.scheduler.kick();
  }

  private async expireIfDue(id: string): Promise<VerificationRecord | undefined> {
    const now = this.deps.clock.now();
    const outcome = await this.writer.mutate(id, (record) => (isOverdue(record, now) ? terminate(record, 'expired', now) : undefined)).catch(unlessGone);
    if (!outcome) return this.deps.store.get(id);
    await this.settle(outcome.after);
    return outcome.after;
  }

  private async endVerification(id: string, status: 'canceled'): Promise<VerificationRecord> {
    const now = this.deps.clock.now();
    const outcome = await this.writer.mutateOrThrow(id, (record) => {
      if (record.status !== 'pending') throw terminalError(record);
      return terminate(record, status, now);
    });
    await this.settle(outcome.after);
    return outcome.after;
  }

  /** After a verification ended: stop its jobs and calls, tell the world. */
  private async settle(record: VerificationRecord): Promise<void> {
    this.abortAttempts(record, `verification ${record.status}`);
    await this.deps.store.cancelJob(stepJobId(record.id));
    await this.deps.store.cancelJob(expireJobId(record.id));
    await this.lines.release(record).catch((err: unknown) => this.deps.logger.warn({ verificationId: record.id, err }, 'could not free caller-ID claims'));
    this.deps.metrics.ended(record.status);
    this.deps.logger.info({ ...this.fields(record),  status: record.status }, 'verification ended');
    await this.publish({ type: `verification.${record.status}` as 'verification.approved', record });
  }

  /**
   * Stops the attempts still running on `record`: here directly, on another engine through
   * the peers (the instance that placed a call is the one that can hang it up).
   */
  private abortAttempts(record: VerificationRecord, reason: string): void {
    this.abortHere(record.id, reason);
    const peers = this.deps.peers;
    if (!peers) return;
    for (const attempt of record.attempts) {
      if (attempt.status === 'running' && attempt.instance !== undefined && attempt.instance !== this.deps.instanceId) {
        void peers.requestAbort(attempt.instance, { verificationId: record.id, n: attempt.n }, reason);
      }
    }
  }

  /** Aborts the attempt of this verification running here (only attempt `n`, when given). */
  private abortHere(id: string, reason: string, n?: number): void {
    const run = this.running.get(id);
    if (run && (n === undefined || run.n === n)) run.controller.abort(new Error(reason));
  }

  private async publish(event: DomainEvent): Promise<void> {
    try {
      await this.deps.events.publish(event);
    } catch (err) {
      this.deps.logger.error({ ...this.fields(event.record),  err, type: event.type }, 'could not publish event');
    }
  }

  /** Log bindings of a verification (plain fields, not a child logger: this is the hot path). */
  private fields(record: VerificationRecord): { verificationId: string; dest: string } {
    return { verificationId: record.id, dest: maskNumber(record.to) };
  }
}
