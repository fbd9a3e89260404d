import { renderTemplate } from '../lib/sms-text';
import type { AttemptReport, ChannelContext } from './types';

export interface SmsJob {
  to: string;
  from: string;
  code: string;
  brand: string;
  template: string;
  tag: string;
}

/** SMS verification: one templated text through the PBX's message facility. */
export async function runSms(job: SmsJob, ctx: ChannelContext): Promise<AttemptReport> {
  const result = await ctx.pbx.sendMessage(
    { to: job.to, from: job.from, body: renderTemplate(job.template, job), tag: job.tag },
    { timeoutMs: 15_000, signal: ctx.signal },
  );
  if (result.ok) return { result: 'delivered', detail: result.messageId };
  return { result: 'send-failed', detail: result.detail ? `${result.error}: ${result.detail}` : result.error };
}
