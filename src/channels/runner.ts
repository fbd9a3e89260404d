import type { Logger } from 'pino';
import { maskNumber } from '../lib/mask';
import { attemptTag, type Pbx } from '../pbx/port';
import type { SmsSender } from '../sms/port';
import type { AttemptReport, AttemptSpec, ChannelRunner } from '../verification/ports';
import { runReverse } from './reverse';
import { runFlash } from './flash';
import { waitForCall } from './missed-call';
import { runSms } from './sms';
import { runVoice } from './voice';

export interface RunnerSettings {
  ringTimeoutMs: number;
  maxCallMs: number;
  trunk?: string | undefined;
  reverse: { maxTries: number; firstDigitTimeoutMs: number; interDigitTimeoutMs: number; totalTimeoutMs: number };
  /** `template(lang)`: the SMS text of a verification without its own (configured, the language pack's, built-in). */
  sms: { template: (lang: string) => string; defaultSender: string };
}

/** Runs the channel script for an attempt against the Pbx port (through the dialer when there is one) or the SMS gateways. */
export class PbxChannelRunner implements ChannelRunner {
  constructor(
    private readonly pbx: Pbx,
    private readonly settings: RunnerSettings,
    private readonly logger: Logger,
    private readonly sms: SmsSender,
    /** The engine clock, for call detail times (system time when absent). */
    private readonly now: () => number = Date.now,
  ) {}

  async run(spec: AttemptSpec, signal: AbortSignal): Promise<AttemptReport> {
    // The attempt's child logger is made on first use only: most attempts never log, and a child
    // per attempt was a measured share of a start's CPU (issue 18).
    const parent = this.logger;
    let child: Logger | undefined;
    const bindings = { verificationId: spec.verificationId, attempt: spec.attempt.n, channel: spec.channel, dest: maskNumber(spec.to) };
    const ctx = {
      pbx: this.pbx,
      get logger(): Logger {
        return (child ??= parent.child(bindings));
      },
      signal,
      now: this.now,
    };
    const tag = attemptTag(spec.verificationId, spec.attempt.n);
    const call = { to: spec.to, callerId: spec.callerId, lang: spec.lang, trunk: this.settings.trunk, ringTimeoutMs: this.settings.ringTimeoutMs, maxCallMs: this.settings.maxCallMs, tag, amd: spec.amd };
    const channel = spec.channel === 'reverse' ? ('reverse' as const) : ('call' as const);
    if (!this.pbx.health().ready && spec.channel !== 'sms') {
      ctx.logger.warn({ pbx: this.pbx.health().detail }, 'pbx not ready');
    }
    switch (spec.channel) {
      case 'call':
        return runVoice({ ...call, channel, code: spec.code, gateDigit: spec.gateDigit, leadInMs: spec.leadInMs }, ctx);
      case 'reverse':
        return runReverse({ ...call, channel, ...this.settings.reverse, matches: spec.matches }, ctx);
      case 'flash_call':
        return runFlash({ to: spec.to, callerId: spec.flash?.callerId, lang: spec.lang, trunk: this.settings.trunk, capMs: spec.flash?.capMs ?? this.settings.ringTimeoutMs, tag }, ctx);
      case 'missed_call':
        return waitForCall(signal);
      case 'sms':
        return runSms(
          {
            to: spec.to,
            from: spec.sender ?? this.settings.sms.defaultSender,
            code: spec.code,
            brand: spec.brand,
            template: spec.template ?? this.settings.sms.template(spec.lang),
            tag,
          },
          { sms: this.sms, signal, onSubmitted: spec.onSmsSubmitted },
        );
    }
  }
}
