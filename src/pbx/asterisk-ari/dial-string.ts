import { AppError } from '../../lib/errors';
import { checkDialTemplate, DialTemplateError, renderDial, type DialValues } from '../dial-template';
import { messageBodyProblem, senderProblem } from '../../lib/sms-text';

/**
 * Fills a dial string / message destination template through the one renderer
 * (src/pbx/dial-template.ts): nothing a client sent reaches ARI unchecked.
 */
export function fillTemplate(template: string, values: DialValues, requireNumber = false): string {
  try {
    if (requireNumber) {
      const problem = checkDialTemplate('asterisk', template);
      if (problem) throw new DialTemplateError('template', `dial template ${problem}`);
    }
    return renderDial('asterisk', template, values);
  } catch (err) {
    if (!(err instanceof DialTemplateError)) throw err;
    if (err.field === 'number') throw new AppError('NUMBER_NOT_E164', { details: { where: 'asterisk driver' } });
    throw new AppError('REQUEST_INVALID', { message: err.message.charAt(0).toUpperCase() + err.message.slice(1) });
  }
}

/** Caller ID for originate: digits with an optional `+`, nothing else. */
export function checkedCallerId(callerId: string | undefined): string | undefined {
  if (callerId === undefined) return undefined;
  if (!/^\+?[1-9]\d{3,14}$/.test(callerId)) throw new AppError('REQUEST_INVALID', { message: 'The caller ID is not a phone number' });
  return callerId;
}

/** SMS sender: the one grammar of src/lib/sms-text.ts (the user part of the MESSAGE's From URI). */
export function checkedSender(from: string): string {
  if (senderProblem(from) !== undefined) throw new AppError('REQUEST_INVALID', { message: 'The SMS sender is not valid' });
  return from;
}

/**
 * Why a message cannot go to Asterisk as it is, or undefined. Asterisk copies `from` into the URI
 * unescaped and cuts `body` at a NUL (C strings): a message it would not send in full is refused
 * here, never reported as sent.
 */
export function messageProblem(msg: { from: string; body: string }): string | undefined {
  const sender = senderProblem(msg.from);
  if (sender !== undefined) return `sender ${sender}`;
  const body = messageBodyProblem(msg.body);
  return body === undefined ? undefined : `body ${body}`;
}
