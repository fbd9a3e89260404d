import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { fallbackFlashCodes } from '../app/inbound';
import { runFlash } from '../channels/flash';
import type { AttemptReport } from '../channels/types';
import { runReverse } from '../channels/reverse';
import { runVoice } from '../channels/voice';
import { AMD_MODES, type Config } from '../config/schema';
import { systemClock } from '../lib/clock';
import { buildPbx, newInstanceId, ROOT_DIR, simulatorOf } from '../main';
import type { AmdRequest } from '../pbx/port';
import type { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../prompts/catalog';
import { resolveLanguage } from '../prompts/languages';
import { renderHeardPcm } from '../prompts/render';
import { encodeWav } from '../prompts/wav';
import { AppError } from '../lib/errors';
import { parseE164 } from '../verification/numbers';
import { TracingPbx } from './trace-pbx';

export interface CallOptions {
  to: string;
  code?: string;
  lang?: string;
  reverse?: boolean;
  /** Flash call: the code is the caller ID's last digits; hung up on ringing. */
  flash?: boolean;
  gate?: string;
  /** Answering-machine detection: off, hangup, wait_for_beep. */
  amd?: string;
  callerId?: string;
  ringTimeout?: number;
  json?: boolean;
  /** Simulator only: directory to write what the callee heard, `<call id>.wav`. */
  record?: string;
}

/** `pbxverify call`: one QA call through the configured PBX, every event printed as it happens. */
export async function runCallCommand(config: Readonly<Config>, opts: CallOptions): Promise<number> {
  const started = Date.now();
  const print = (event: string, detail: Record<string, unknown> = {}): void => {
    const t = ((Date.now() - started) / 1000).toFixed(3);
    process.stdout.write(opts.json ? `${JSON.stringify({ t: Number(t), event, ...detail })}\n` : `${t.padStart(8)}s  ${event}${Object.keys(detail).length ? `  ${JSON.stringify(detail)}` : ''}\n`);
  };
  try {
    const to = parseE164(opts.to).e164;
    if (opts.code !== undefined && !/^[0-9]{1,20}$/.test(opts.code)) throw new AppError('CODE_INVALID_FORMAT');
    if (opts.gate !== undefined && !/^[0-9]$/.test(opts.gate)) throw new AppError('REQUEST_INVALID', { message: '--gate takes one digit' });
    if (opts.amd !== undefined && !(AMD_MODES as readonly string[]).includes(opts.amd)) throw new AppError('REQUEST_INVALID', { message: `--amd takes ${AMD_MODES.join(', ')}` });
    const amd: AmdRequest | undefined = opts.amd === 'hangup' || opts.amd === 'wait_for_beep' ? opts.amd : undefined;
    const catalog = new PromptCatalog(join(ROOT_DIR, 'sounds'));
    const lang = resolveLanguage({ requested: opts.lang, engineDefault: config.verification.defaultLang, to }, (l) => catalog.has(l));
    const logger = pino({ level: 'warn' });
    const inner = buildPbx(config, { clock: systemClock, logger, catalog, instanceId: newInstanceId() });
    const simulator = simulatorOf(inner);
    if (opts.record !== undefined && !simulator) {
      throw new AppError('REQUEST_INVALID', { message: '--record works with the simulator; on a real PBX record with MixMonitor or record_session' });
    }
    const pbx = new TracingPbx(inner, print);
    await pbx.start();
    const code = opts.code ?? String(Math.floor(100000 + Math.random() * 900000));
    if (simulator) {
      const { name, behaviour } = simulator.behaviourOf(to);
      print('simulated callee', { behaviour: name, description: behaviour.description });
      if (opts.reverse) simulator.showOnScreen(to, code);
    }
    const ctx = { pbx, logger, signal: new AbortController().signal };
    const common = {
      to,
      lang,
      callerId: opts.callerId ?? config.calls.defaultCallerId,
      trunk: config.calls.trunk,
      ringTimeoutMs: (opts.ringTimeout ?? config.calls.ringTimeoutSeconds) * 1000,
      maxCallMs: config.calls.maxCallSeconds * 1000,
      tag: `cli-${process.pid}`,
      amd,
    };
    if (opts.flash) {
      const report = await flashCall(config, opts, { to, lang, trunk: common.trunk, tag: common.tag }, ctx, print);
      await pbx.stop();
      return report.result === 'delivered' ? 0 : 1;
    }
    print(opts.reverse ? 'reverse verification' : 'voice verification', { code, lang });
    const report = opts.reverse
      ? await runReverse({ ...common, ...config.reverse, matches: (digits) => digits === code }, ctx)
      : await runVoice({ ...common, code, gateDigit: opts.gate }, ctx);
    print('result', { ...report });
    await pbx.stop();
    if (opts.record !== undefined && simulator) record(simulator, to, lang, opts.record, print);
    return report.result === 'delivered' || report.result === 'matched' ? 0 : 1;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`pbxverify: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** `--flash`: a caller ID from `--caller-id` or the flash pool (flashCall, or the simulator's demo range); its last digits are the code. */
async function flashCall(
  config: Readonly<Config>,
  opts: CallOptions,
  job: { to: string; lang: string; trunk: string | undefined; tag: string },
  ctx: Parameters<typeof runFlash>[1],
  print: (event: string, detail?: Record<string, unknown>) => void,
): Promise<AttemptReport> {
  const length = config.flashCall.codeLength;
  const drawn = fallbackFlashCodes(config)?.candidates(length, 1).next();
  const callerId: string | undefined = opts.callerId ?? (drawn && !drawn.done ? drawn.value.callerId : undefined);
  if (callerId === undefined) throw new AppError('NO_ROUTE', { message: 'No flash caller IDs: set flashCall.callerIdRange or callerIds, or pass --caller-id' });
  print('flash call', { callerId, code: callerId.slice(-length), capSeconds: config.flashCall.capSeconds });
  const report = await runFlash({ ...job, callerId, capMs: config.flashCall.capSeconds * 1000 }, ctx);
  print('result', { ...report });
  return report;
}

/** Writes what the callee of the last simulated call to `to` heard (the simulator's call log). */
function record(sim: SimulatorPbx, to: string, lang: string, dir: string, print: (event: string, detail?: Record<string, unknown>) => void): void {
  const log = sim.callLogs({ to }).at(-1);
  const heard = (log?.events ?? []).flatMap((e) => (e.type === 'play' ? [{ item: e.item, completed: e.completed, heardMs: e.heardMs }] : []));
  if (!log || heard.length === 0) {
    print('nothing to record', { reason: 'the call played no audio' });
    return;
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${log.id}.wav`);
  const pcm = renderHeardPcm(join(ROOT_DIR, 'sounds'), lang, heard);
  writeFileSync(file, encodeWav(pcm));
  print('recorded', { file, seconds: Number((pcm.length / 16000).toFixed(2)) });
}
