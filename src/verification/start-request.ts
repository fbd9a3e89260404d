import type { ApiKeyConfig, ChannelName } from '../config/schema';
import { resolveLanguage } from '../prompts/languages';
import type { CodeVault } from './codes';
import { AppError } from './errors';
import type { VerificationRecord, WorkflowStep } from './model';
import { parseE164 } from './numbers';
import { finalExpiry, issuesNewCodesLater, planSteps } from './workflows';

/** A start request after HTTP-level shape validation (types right, values not yet judged). */
export interface StartInput {
  to: string;
  channel?: ChannelName | undefined;
  workflow?: string | undefined;
  lang?: string | undefined;
  code?: string | undefined;
  codeLength?: number | undefined;
  callerId?: string | undefined;
  brand?: string | undefined;
  sender?: string | undefined;
  messageTemplate?: string | undefined;
  callbackUrl?: string | undefined;
  expirySeconds?: number | undefined;
  gate?: boolean | undefined;
}

export interface StartPolicy {
  codeLength: number;
  expirySeconds: number;
  maxCheckAttempts: number;
  defaultLang: string;
  defaultCallerId: string | undefined;
  defaultSender: string;
  defaultBrand: string;
  workflows: Readonly<Record<string, readonly WorkflowStep[]>>;
  languageAvailable: (lang: string) => boolean;
}

const ALNUM_SENDER = /^[A-Za-z0-9 .&_-]{1,11}$/;
const NUMERIC_SENDER = /^\+?[0-9]{3,15}$/;

/** Caller IDs compare without the `+`: seed 000 writes "442037691880". */
function sameNumber(a: string, b: string): boolean {
  return a.replace(/^\+/, '') === b.replace(/^\+/, '');
}

/**
 * Judges a start request against the key's policy and builds the new record with its first
 * code. Throws an AppError for the first problem found. Pure apart from code generation.
 */
export function buildStart(
  input: StartInput,
  key: ApiKeyConfig,
  policy: StartPolicy,
  vault: CodeVault,
  ids: { id: string; now: number },
): { record: VerificationRecord; code: string } {
  const number = parseE164(input.to);

  if (input.channel !== undefined && input.workflow !== undefined) {
    throw new AppError('REQUEST_INVALID', { message: 'Give either channel or workflow, not both' });
  }
  const workflowName = input.workflow ?? input.channel ?? 'call';
  const steps = policy.workflows[workflowName];
  if (!steps) throw new AppError('WORKFLOW_UNKNOWN', { details: { workflow: workflowName, known: Object.keys(policy.workflows) } });
  for (const step of steps) {
    if (!key.allowedChannels.includes(step.channel)) throw new AppError('CHANNEL_NOT_ALLOWED', { details: { channel: step.channel } });
  }

  const expirySeconds = input.expirySeconds ?? policy.expirySeconds;
  let code: string;
  let codeLength: number;
  if (input.code !== undefined) {
    if (!key.allowCustomCode) throw new AppError('CUSTOM_CODE_NOT_ALLOWED');
    if (!/^[0-9]+$/.test(input.code)) throw new AppError('CODE_INVALID_FORMAT', { details: { field: 'code' } });
    if (input.code.length > 20) throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code', max: 20 } });
    if (issuesNewCodesLater(steps)) {
      throw new AppError('REQUEST_INVALID', { message: 'A supplied code cannot be used with a workflow that issues new codes' });
    }
    code = input.code;
    codeLength = code.length;
  } else {
    codeLength = input.codeLength ?? policy.codeLength;
    if (!Number.isInteger(codeLength) || codeLength < 4 || codeLength > 10) {
      throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code_length', min: 4, max: 10 } });
    }
    code = vault.generate(codeLength);
  }

  const lang = resolveLanguage(
    { requested: input.lang, keyDefault: key.defaultLang, engineDefault: policy.defaultLang, to: number.e164 },
    policy.languageAvailable,
  );

  const usesCalls = steps.some((s) => s.channel !== 'sms');
  const usesSms = steps.some((s) => s.channel === 'sms');
  let callerId: string | undefined;
  if (input.callerId !== undefined) {
    if (!key.allowedCallerIds.some((allowed) => sameNumber(allowed, input.callerId as string))) {
      throw new AppError('CALLER_ID_NOT_ALLOWED', { details: { field: 'caller_id' } });
    }
    callerId = input.callerId;
  } else if (usesCalls) {
    callerId = key.allowedCallerIds[0] ?? policy.defaultCallerId;
  }

  let sender: string | undefined;
  if (usesSms) {
    sender = input.sender ?? policy.defaultSender;
    const allowedByKey = key.allowedSenders.length === 0 || key.allowedSenders.includes(sender);
    if (!allowedByKey) throw new AppError('SENDER_NOT_ALLOWED', { details: { field: 'sender' } });
    if (!ALNUM_SENDER.test(sender) && !NUMERIC_SENDER.test(sender)) {
      throw new AppError('REQUEST_INVALID', { message: 'sender must be up to 11 letters/digits or a phone number', details: { field: 'sender' } });
    }
  }

  if (input.messageTemplate !== undefined) {
    if (!input.messageTemplate.includes('{code}') || input.messageTemplate.length > 480) {
      throw new AppError('TEMPLATE_INVALID', { message: 'message_template must contain {code} and be at most 480 characters' });
    }
  }

  const { id, now } = ids;
  const plans = planSteps(steps, 0, now, expirySeconds);
  const firstPlan = plans[0] as { at: number; codeExpiresAt: number };
  const record: VerificationRecord = {
    v: 1,
    id,
    keyId: key.id,
    to: number.e164,
    workflow: workflowName,
    steps: [...steps],
    lang,
    brand: input.brand ?? key.brand ?? policy.defaultBrand,
    gate: (input.gate ?? key.voiceGate) && usesCalls,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    expiresAt: finalExpiry(plans, now),
    expirySeconds,
    codeLength,
    customCode: input.code !== undefined,
    codeHash: vault.hash(id, code),
    codeSealed: vault.seal(id, code),
    codeExpiresAt: firstPlan.codeExpiresAt,
    codes: 1,
    wrongChecks: 0,
    maxChecks: policy.maxCheckAttempts,
    nextStep: 0,
    nextStepAt: firstPlan.at,
    attempts: [],
  };
  if (sender !== undefined) record.sender = sender;
  if (callerId !== undefined) record.callerId = callerId;
  if (input.messageTemplate !== undefined) record.template = input.messageTemplate;
  if (input.callbackUrl !== undefined) record.callbackUrl = input.callbackUrl;
  return { record, code };
}
