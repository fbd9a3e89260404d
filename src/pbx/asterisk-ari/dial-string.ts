import { AppError } from '../../lib/errors';
import { messageBodyProblem, senderProblem } from '../../lib/sms-text';

const E164 = /^\+[1-9]\d{6,14}$/;
const TRUNK = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Fills a dial string / message destination template. Everything substituted is validated
 * here again (the API validated it already): nothing a client sent reaches ARI unchecked.
 */
export function fillTemplate(template: string, values: { number: string; trunk?: string | undefined }): string {
  if (!E164.test(values.number)) throw new AppError('NUMBER_NOT_E164', { details: { where: 'asterisk driver' } });
  if (template.includes('{trunk}')) {
    if (values.trunk === undefined) {
      throw new AppError('REQUEST_INVALID', { message: 'The dial string template needs a trunk (calls.trunk) and none was given' });
    }
    if (!TRUNK.test(values.trunk)) throw new AppError('REQUEST_INVALID', { message: 'The trunk name is not valid' });
  }
  return template
    .replaceAll('{number}', values.number)
    .replaceAll('{digits}', values.number.slice(1))
    .replaceAll('{trunk}', values.trunk ?? '');
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
