import type { SmsSender } from '../sms/port';
import type { AttemptReport } from './types';

export interface SmsJob {
  to: string;
  from: string;
  code: string;
  brand: string;
  template: string;
  tag: string;
}

export interface SmsChannelContext {
  sms: SmsSender;
  signal: AbortSignal;
  onSubmitted?: Parameters<SmsSender['send']>[1]['onSubmitted'];
}

/**
 * SMS verification: one templated text through the SMS gateways (`sms.gateways`; the PBX's SIP
 * MESSAGE by default). With receipts the attempt ends on the final receipt: `delivered`,
 * `send-failed` (the reason in `detail`; the workflow moves on at once) or `unconfirmed`.
 */
export async function runSms(job: SmsJob, ctx: SmsChannelContext): Promise<AttemptReport> {
  const outcome = await ctx.sms.send(
    { to: job.to, from: job.from, template: job.template, code: job.code, brand: job.brand, tag: job.tag },
    { signal: ctx.signal, ...(ctx.onSubmitted ? { onSubmitted: ctx.onSubmitted } : {}) },
  );
  if (!('encoding' in outcome)) {
    const cdr = { smsParts: outcome.parts, smsStatus: outcome.reason };
    return { result: 'send-failed', detail: outcome.detail ? `${outcome.reason}: ${outcome.detail}` : outcome.reason, advance: outcome.advance, cdr };
  }
  const { ids, advance, detail, ...sms } = outcome;
  // history's call detail: parts for the cost, and `accepted` or the receipt's status
  const cdr = { smsParts: sms.parts, smsStatus: sms.status === 'submitted' ? 'accepted' : sms.status === 'failed' ? (sms.reason ?? 'failed') : sms.status };
  switch (outcome.status) {
    // `submitted`: no receipts from this gateway (pbx), or the verification ended while waiting
    case 'submitted':
    case 'delivered':
      return { result: 'delivered', detail: ids.join(','), sms, cdr };
    case 'unknown':
      return { result: 'unconfirmed', detail: 'no delivery receipt in time', sms, cdr };
    case 'failed':
      return { result: 'send-failed', detail: detail ? `${outcome.reason ?? 'failed'}: ${detail}` : (outcome.reason ?? 'failed'), sms, advance, cdr };
  }
}
