import type { AttemptReport, ChannelContext } from './types';

export interface SmsJob {
  to: string;
  from: string;
  code: string;
  brand: string;
  template: string;
  tag: string;
}

/** `{code}` and `{brand}` in a template; nothing else is interpreted. */
export function renderTemplate(template: string, values: { code: string; brand: string }): string {
  return template.replace(/\{(code|brand)\}/g, (_, name: 'code' | 'brand') => values[name]);
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
