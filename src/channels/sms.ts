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
  const smsParts = messageParts(renderTemplate(job.template, job));
  if (result.ok) return { result: 'delivered', detail: result.messageId, cdr: { smsParts, smsStatus: 'accepted' } };
  return { result: 'send-failed', detail: result.detail ? `${result.error}: ${result.detail}` : result.error, cdr: { smsParts, smsStatus: result.error } };
}

/** GSM 03.38 basic characters (one septet each; the extension table counts two). */
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

/** SMS parts a text needs: 160/153 GSM-7 septets, 70/67 UCS-2 characters per part. */
export function messageParts(text: string): number {
  if (GSM7.test(text)) {
    const septets = [...text].reduce((n, ch) => n + ('^{}\\[~]|€'.includes(ch) ? 2 : 1), 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = text.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}
