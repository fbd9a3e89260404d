import type { Logger } from 'pino';
import type { AmdRequest, Call, CallEnd, Pbx, PlayItem, RouteTaken } from '../pbx/port';
import { machineMessage } from '../prompts/sequence';
import type { AttemptAmd, AttemptCdr, AttemptResult } from '../verification/model';
import type { AttemptReport } from '../verification/ports';

export type { AttemptReport };

/** What every channel script needs; built by the attempt runner for one attempt. */
export interface ChannelContext {
  pbx: Pbx;
  logger: Logger;
  /** Fires when the verification ends (approved, canceled, expired) or the engine stops. */
  signal: AbortSignal;
  /** The engine clock (call detail times). */
  now?: (() => number) | undefined;
}

/** Report for a call whose dial failed (busy, no answer, …) or was canceled. */
export function dialFailure(end: CallEnd): AttemptReport {
  return {
    result: end.outcome === 'canceled' ? 'aborted' : 'not-answered',
    outcome: end.outcome,
    cause: end.cause,
    reason: end.reason,
  };
}

/** How long the final hang-up cause of an answered call is waited for after hanging up. */
const END_WAIT_MS = 2_000;

/** The report fields that say where a routed call went (trunk, caller ID, trunks failed over). */
export function routeFields(route: RouteTaken | undefined): Partial<AttemptReport> {
  if (!route) return {};
  return {
    ...(route.trunk !== undefined ? { trunk: route.trunk } : {}),
    ...(route.callerId !== undefined ? { callerId: route.callerId } : {}),
    ...(route.failover.length > 0 ? { failover: route.failover } : {}),
  };
}

/** Report fields for an answered call. */
export function answered(result: AttemptResult, extra: Partial<AttemptReport> = {}): AttemptReport {
  return { result, outcome: 'answered', reason: null, ...extra };
}

/** What every call script dials with. */
export interface CallJob {
  to: string;
  callerId?: string | undefined;
  lang: string;
  trunk?: string | undefined;
  /** What the call is for; routes may choose trunks by it. */
  channel?: 'call' | 'reverse' | undefined;
  ringTimeoutMs: number;
  /** Answering-machine detection (absent: off, nothing changes). */
  amd?: AmdRequest | undefined;
  /** Cap on the answered part of the call. */
  maxCallMs: number;
  tag: string;
}

/**
 * Dials, runs `script` on the answered call with a signal that fires at the verification's end or
 * after `maxCallMs`, and always hangs up. A failed dial is reported as such (busy, no answer, …).
 * `greeting` is what the script plays first, for the driver to start at answer
 * (OriginateRequest.greeting); not sent with answering-machine detection.
 */
export async function withCall(
  job: CallJob,
  ctx: ChannelContext,
  script: (call: Call, deadline: AbortSignal) => Promise<AttemptReport>,
  greeting?: PlayItem[],
): Promise<AttemptReport> {
  const now = ctx.now ?? Date.now;
  const cdr: AttemptCdr = { dialedAt: now(), ...(job.trunk ? { trunk: job.trunk } : {}), ...(job.callerId ? { callerId: job.callerId } : {}) };
  // the ringing event: the attempt's ring time (history's ringing_at)
  const onRinging = (): void => void (cdr.ringingAt ??= now());
  const dial = await ctx.pbx.originate(
    { to: job.to, lang: job.lang, ...(job.channel ? { channel: job.channel } : {}), ringTimeoutMs: job.ringTimeoutMs, tag: job.tag, ...(job.amd ? { amd: job.amd } : greeting ? { greeting } : {}), ...(job.callerId ? { callerId: job.callerId } : {}), ...(job.trunk ? { trunk: job.trunk } : {}), onRinging },
    { timeoutMs: job.ringTimeoutMs + 15_000, signal: ctx.signal },
  );
  const route = routeFields(dial.route);
  // the call detail names the trunk and caller ID the router actually used
  const routed: AttemptCdr = { ...cdr, ...(route.trunk ? { trunk: route.trunk } : {}), ...(route.callerId ? { callerId: route.callerId } : {}) };
  const ringAt = cdr.ringingAt === undefined ? {} : { ringAt: cdr.ringingAt };
  if (!dial.ok) {
    return { ...dialFailure(dial.end), ...route, ...ringAt, cdr: { ...routed, endedAt: now(), billsec: 0, cause: dial.end.cause, ...(dial.end.node ? { node: dial.end.node } : {}) } };
  }
  // detection listened before originate resolved: the call was answered that long ago
  const answeredAt = now() - (dial.call.amd?.ms ?? 0);
  let report: AttemptReport | undefined;
  try {
    const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(job.maxCallMs)]);
    const amd: AttemptAmd | undefined = job.amd && dial.call.amd ? { mode: job.amd, ...dial.call.amd } : undefined;
    if (amd?.result === 'machine') report = { ...(await onMachine(dial.call, amd, ctx, deadline)), ...route, ...ringAt };
    else report = { ...(await script(dial.call, deadline)), ...route, ...ringAt, ...(amd ? { amd } : {}) };
    return report;
  } finally {
    await dial.call.hangup();
    const end = await settled(dial.call.ended);
    const endedAt = now();
    const detail: AttemptCdr = { ...routed, answeredAt, endedAt, billsec: Math.ceil(Math.max(0, endedAt - answeredAt) / 1000), ...(dial.call.node ? { node: dial.call.node } : {}) };
    if (end) detail.cause = end.cause;
    if (report) report.cdr = detail;
  }
}

/**
 * A machine answered (docs/amd.md): `hangup` ends the attempt at once, nothing spoken;
 * `wait_for_beep` (the driver already waited for the beep) leaves a short message without the code.
 */
async function onMachine(call: Call, amd: AttemptAmd, ctx: ChannelContext, deadline: AbortSignal): Promise<AttemptReport> {
  ctx.logger.info({ amd: amd.result, mode: amd.mode, beep: amd.beep }, 'answering machine');
  if (amd.mode === 'hangup') return answered('machine', { amd });
  const played = await call.play(machineMessage(), { timeoutMs: 15_000, signal: deadline });
  return answered('machine', { amd: { ...amd, messageLeft: played.ok } });
}

function settled(ended: Promise<CallEnd>): Promise<CallEnd | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    ended,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), END_WAIT_MS);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
