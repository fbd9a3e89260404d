import { AMD_MODES, CHANNELS, type AmdMode, type ApiKeyConfig, type ChannelName } from '../config/schema';
import { brandProblem, CODE_DIGITS_MAX, CODE_LENGTH_MAX, CODE_LENGTH_MIN, senderProblem, templateProblem } from '../lib/sms-text';
import { resolveLanguage } from '../prompts/languages';
import { leadInProblem } from '../prompts/sequence';
import type { CodeVault } from './codes';
import { AppError } from '../lib/errors';
import { FLASH_CODE_MAX, FLASH_CODE_MIN } from '../config/inbound-schema';
import type { FlashPlan, VerificationRecord, WorkflowStep } from './model';
import type { CallRouting, CostLimit, DestinationGuard } from './ports';
import { parseE164, type PhoneNumberInfo } from './numbers';
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
  /** Silence before a voice call's first prompt, in ms (overrides the key's `leadInMs`). */
  leadInMs?: number | undefined;
  /** Answering-machine detection for the calls (over the key's `amd`; workflow steps may set their own). */
  amd?: AmdMode | undefined;
  /** A step list of its own instead of a named workflow (compat adapters: Vonage's workflow_id). */
  steps?: readonly WorkflowStep[] | undefined;
  /** Vonage-style code lifetime (pin_expiry), see {@link VerificationRecord.codeLifetimeSeconds}. */
  codeLifetimeSeconds?: number | undefined;
  /** Wrong codes allowed before the verification fails (Vonage: 3); the engine default otherwise. */
  maxChecks?: number | undefined;
  /** Overrides the key's `replaceActive` (compat services where a new request replaces a pending one). */
  replaceActive?: boolean | undefined;
  /** Opaque strings kept with the verification for a compat adapter. */
  meta?: Readonly<Record<string, string>> | undefined;
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
  /** SMS parts the rendered template needs (the engine's default template when undefined). */
  smsParts?: ((template: string | undefined, code: string, brand: string, lang: string, to: string) => number) | undefined;
  /** `sms.maxParts`. */
  smsMaxParts?: number | undefined;
  /** Routes and caller-ID pools (NO_ROUTE, CALLER_ID_NOT_IN_POOL); absent in unit tests of the policy. */
  routing?: CallRouting | undefined;
  /** The `maxCost` policy (COST_LIMIT_EXCEEDED); absent with history off and in unit tests of the policy. */
  costLimit?: CostLimit | undefined;
  /** Destination prefixes the fraud guard blocked (DESTINATION_BLOCKED). */
  destinationGuard?: DestinationGuard | undefined;
  /** Flash calls: default code length, the numbers they may go to, and the pool's prefix for a number. */
  flash?: FlashPolicy | undefined;
}

export interface FlashPolicy {
  codeLength: number;
  numberTypes: readonly string[];
  allowCountries: readonly string[];
  denyCountries: readonly string[];
  /** Throws AppError NO_ROUTE / CODE_LENGTH_INVALID (see FlashCallerIds.plan). */
  plan?: ((to: string, codeLength: number) => { prefix: string }) | undefined;
}

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
): { record: VerificationRecord; code: string; number: PhoneNumberInfo } {
  const number = parseE164(input.to);
  policy.destinationGuard?.check(number.e164);

  if (input.channel !== undefined && (input.workflow !== undefined || input.steps !== undefined)) {
    throw new AppError('REQUEST_INVALID', { message: 'Give either channel or workflow, not both' });
  }
  const { workflowName, steps } = chooseSteps(input, policy);
  for (const step of steps) {
    if (!key.allowedChannels.includes(step.channel)) throw new AppError('CHANNEL_NOT_ALLOWED', { details: { channel: step.channel } });
  }

  const expirySeconds = input.expirySeconds ?? policy.expirySeconds;
  const lifetime = input.codeLifetimeSeconds;
  if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 3600)) {
    throw new AppError('REQUEST_INVALID', { message: 'The code lifetime must be 60 to 3600 seconds', details: { field: 'pin_expiry' } });
  }
  const maxChecks = input.maxChecks ?? policy.maxCheckAttempts;
  if (!Number.isInteger(maxChecks) || maxChecks < 1 || maxChecks > 20) {
    throw new AppError('REQUEST_INVALID', { message: 'Allowed wrong codes must be 1 to 20' });
  }
  const meta = input.meta === undefined ? undefined : validMeta(input.meta);
  if (input.leadInMs !== undefined) {
    const problem = leadInProblem(input.leadInMs);
    if (problem !== undefined) throw new AppError('REQUEST_INVALID', { message: `lead_in_ms ${problem}`, details: { field: 'lead_in_ms' } });
  }
  const usesFlash = steps.some((s) => s.channel === 'flash_call');
  let code: string;
  let codeLength: number;
  let flash: FlashPlan | undefined;
  if (usesFlash) {
    if (input.code !== undefined) throw new AppError('REQUEST_INVALID', { message: 'A flash call carries its own code (the caller ID); do not supply one', details: { field: 'code' } });
    ({ codeLength, flash } = flashStart(number, input.codeLength, policy));
    code = vault.generate(codeLength);
  } else if (input.code !== undefined) {
    if (!key.allowCustomCode) throw new AppError('CUSTOM_CODE_NOT_ALLOWED');
    if (!/^[0-9]+$/.test(input.code)) throw new AppError('CODE_INVALID_FORMAT', { details: { field: 'code' } });
    if (input.code.length > CODE_DIGITS_MAX) throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code', max: CODE_DIGITS_MAX } });
    if (issuesNewCodesLater(steps)) {
      throw new AppError('REQUEST_INVALID', { message: 'A supplied code cannot be used with a workflow that issues new codes' });
    }
    code = input.code;
    codeLength = code.length;
  } else {
    codeLength = input.codeLength ?? policy.codeLength;
    if (!Number.isInteger(codeLength) || codeLength < CODE_LENGTH_MIN || codeLength > CODE_LENGTH_MAX) {
      throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code_length', min: CODE_LENGTH_MIN, max: CODE_LENGTH_MAX } });
    }
    code = vault.generate(codeLength);
  }

  const lang = resolveLanguage(
    { requested: input.lang, keyDefault: key.defaultLang, engineDefault: policy.defaultLang, to: number.e164 },
    policy.languageAvailable,
  );

  const usesCalls = steps.some((s) => s.channel === 'call' || s.channel === 'reverse');
  const usesSms = steps.some((s) => s.channel === 'sms');
  // With explicit routing (trunks:) the trunks' pools are the operator's numbers: a key that lists
  // none may ask for any pool number, and without a request the route's strategy chooses.
  const routed = policy.routing?.explicit === true;
  let callerId: string | undefined;
  if (input.callerId !== undefined) {
    const listed = key.allowedCallerIds.some((allowed) => sameNumber(allowed, input.callerId as string));
    if (!listed && !(routed && key.allowedCallerIds.length === 0)) {
      throw new AppError('CALLER_ID_NOT_ALLOWED', { details: { field: 'caller_id' } });
    }
    callerId = input.callerId;
  } else if (usesCalls && !routed) {
    callerId = key.allowedCallerIds[0] ?? policy.defaultCallerId;
  }
  if (policy.routing) {
    // missed calls are inbound: no route serves them
    const routed = [...new Set(steps.map((s) => s.channel))].filter((c): c is 'call' | 'reverse' | 'sms' | 'flash_call' => c !== 'missed_call');
    policy.routing.admit(number.e164, routed, input.callerId);
  }

  // One grammar with the configuration and both drivers (src/lib/sms-text.ts): what is accepted
  // here is sent in full by Asterisk and FreeSWITCH.
  let sender: string | undefined;
  if (usesSms) {
    sender = input.sender ?? policy.defaultSender;
    const problem = senderProblem(sender);
    if (problem !== undefined) throw new AppError('REQUEST_INVALID', { message: `sender ${problem}`, details: { field: 'sender' } });
    const allowedByKey = key.allowedSenders.length === 0 || key.allowedSenders.includes(sender);
    if (!allowedByKey) throw new AppError('SENDER_NOT_ALLOWED', { details: { field: 'sender' } });
  }
  if (input.brand !== undefined) {
    const problem = brandProblem(input.brand);
    if (problem !== undefined) throw new AppError('REQUEST_INVALID', { message: `brand ${problem}`, details: { field: 'brand' } });
  }
  if (input.messageTemplate !== undefined) {
    const problem = templateProblem(input.messageTemplate);
    if (problem !== undefined) throw new AppError('TEMPLATE_INVALID', { message: `message_template ${problem}`, details: { field: 'message_template' } });
  }

  const smsParts = usesSms && policy.smsParts ? policy.smsParts(input.messageTemplate, code, input.brand ?? key.brand ?? policy.defaultBrand, lang, number.e164) : undefined;
  if (smsParts !== undefined && policy.smsMaxParts !== undefined && smsParts > policy.smsMaxParts) {
    throw new AppError('SMS_TOO_MANY_PARTS', { details: { field: 'message_template', parts: smsParts, max: policy.smsMaxParts } });
  }
  policy.costLimit?.admit({ keyMaxCost: key.maxCost, to: number.e164, channels: new Set(steps.map((s) => s.channel).filter((c): c is 'call' | 'reverse' | 'sms' => c === 'call' || c === 'reverse' || c === 'sms')), smsParts, at: ids.now });

  const { id, now } = ids;
  const plans = planSteps(steps, 0, now, expirySeconds);
  const planned = plans[0] as { at: number; codeExpiresAt: number };
  // With a code lifetime the first code lives that long; steps' validity keeps the request open.
  const firstPlan = lifetime === undefined ? planned : { at: planned.at, codeExpiresAt: planned.at + lifetime * 1000 };
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
    expiresAt: finalExpiry(plans, firstPlan.codeExpiresAt),
    expirySeconds,
    codeLength,
    customCode: input.code !== undefined,
    codeHash: vault.hash(id, code),
    codeSealed: vault.seal(id, code),
    codeExpiresAt: firstPlan.codeExpiresAt,
    codes: 1,
    wrongChecks: 0,
    maxChecks,
    nextStep: 0,
    nextStepAt: firstPlan.at,
    attempts: [],
  };
  const amd = input.amd ?? key.amd;
  if (amd !== 'off' && usesCalls) record.amd = amd;
  if (sender !== undefined) record.sender = sender;
  if (callerId !== undefined) record.callerId = callerId;
  if (input.messageTemplate !== undefined) record.template = input.messageTemplate;
  if (input.callbackUrl !== undefined) record.callbackUrl = input.callbackUrl;
  if (lifetime !== undefined) record.codeLifetimeSeconds = lifetime;
  if (meta !== undefined) record.meta = meta;
  const leadInMs = input.leadInMs ?? key.leadInMs;
  if (leadInMs !== undefined && steps.some((s) => s.channel === 'call')) record.leadInMs = leadInMs;
  if (flash !== undefined) record.flash = flash;
  return { record, code, number };
}

/**
 * A flash call's policy: the number type and country it may go to, a code length of 3 to 6 digits
 * (the caller ID's last digits) that the pool serving the number gives enough codes of.
 */
function flashStart(number: PhoneNumberInfo, requested: number | undefined, policy: StartPolicy): { codeLength: number; flash: FlashPlan } {
  const rules = policy.flash;
  if (!rules) throw new AppError('CHANNEL_UNSUPPORTED', { details: { channel: 'flash_call' } });
  const codeLength = requested ?? rules.codeLength;
  if (!Number.isInteger(codeLength) || codeLength < FLASH_CODE_MIN || codeLength > FLASH_CODE_MAX) {
    throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code_length', min: FLASH_CODE_MIN, max: FLASH_CODE_MAX, channel: 'flash_call' } });
  }
  const type = number.type ?? 'UNKNOWN';
  if (!rules.numberTypes.includes(type)) throw new AppError('NUMBER_TYPE_NOT_ALLOWED', { details: { type, channel: 'flash_call' } });
  const country = number.country ?? '001';
  if ((rules.allowCountries.length > 0 && !rules.allowCountries.includes(country)) || rules.denyCountries.includes(country)) {
    throw new AppError('COUNTRY_NOT_ALLOWED', { details: { country, channel: 'flash_call' } });
  }
  if (!rules.plan) throw new AppError('NO_ROUTE', { details: { field: 'to', channels: ['flash_call'] } });
  return { codeLength, flash: { prefix: rules.plan(number.e164, codeLength).prefix, codeLength } };
}

const WORKFLOW_LABEL = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The named workflow's steps, or the request's own step list (validated here, never trusted). */
function chooseSteps(input: StartInput, policy: StartPolicy): { workflowName: string; steps: readonly WorkflowStep[] } {
  if (input.steps !== undefined) {
    const workflowName = input.workflow ?? 'custom';
    if (!WORKFLOW_LABEL.test(workflowName)) throw new AppError('REQUEST_INVALID', { message: 'The workflow label is not valid' });
    return { workflowName, steps: validSteps(input.steps) };
  }
  const workflowName = input.workflow ?? input.channel ?? 'call';
  const steps = policy.workflows[workflowName];
  if (!steps) throw new AppError('WORKFLOW_UNKNOWN', { details: { workflow: workflowName, known: Object.keys(policy.workflows) } });
  return { workflowName, steps };
}

function validSteps(steps: readonly WorkflowStep[]): WorkflowStep[] {
  const int = (n: unknown, min: number, max: number): boolean => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
  if (steps.length < 1 || steps.length > 10) {
    throw new AppError('REQUEST_INVALID', { message: 'A workflow has 1 to 10 steps' });
  }
  return steps.map((step) => {
    const ok =
      (CHANNELS as readonly string[]).includes(step.channel) &&
      int(step.waitSeconds, 0, 3600) &&
      (step.code === 'same' || step.code === 'new') &&
      (step.validitySeconds === undefined || int(step.validitySeconds, 1, 3600)) &&
      (step.amd === undefined || (AMD_MODES as readonly string[]).includes(step.amd));
    if (!ok) throw new AppError('REQUEST_INVALID', { message: 'A workflow step is not valid' });
    const copy: WorkflowStep = { channel: step.channel, waitSeconds: step.waitSeconds, code: step.code };
    if (step.validitySeconds !== undefined) copy.validitySeconds = step.validitySeconds;
    if (step.amd !== undefined) copy.amd = step.amd;
    return copy;
  });
}

const META_KEY = /^[a-z0-9_]{1,32}$/;

function validMeta(meta: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(meta);
  if (entries.length > 8 || entries.some(([k, v]) => !META_KEY.test(k) || typeof v !== 'string' || v.length > 2048)) {
    throw new AppError('REQUEST_INVALID', { message: 'Verification metadata is not valid' });
  }
  return Object.fromEntries(entries);
}
