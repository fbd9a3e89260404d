import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FLASH_CODE_MAX, FLASH_CODE_MIN } from '../../config/inbound-schema';
import { AMD_MODES, CHANNELS } from '../../config/schema';
import { AppError } from '../../lib/errors';
import { CODE_DIGITS_MAX, CODE_LENGTH_MAX, CODE_LENGTH_MIN } from '../../lib/sms-text';
import { brandSchema, plainText, senderSchema, templateSchema } from '../../lib/sms-text-schema';
import type { VerificationService } from '../../verification/service';
import { verificationView, type VerificationView } from '../../verification/view';
import type { FieldErrors } from '../error-handler';
import { idempotencyHeaders, idempotencyResponses, type IdempotencyKeys } from '../idempotency/idempotency';
import { BODY_LIMITS } from '../limits';
import { verificationDetailSchema } from '../history-schemas';
import { LEAD_IN, PAUSES } from '../../prompts/sequence';
import { errorSchema, verificationSchema } from '../schemas';

const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;
const e164 = z.string().regex(E164_PATTERN);
const codeDigits = z.string().regex(/^[0-9]+$/).max(CODE_DIGITS_MAX);

/**
 * The start request. Its limits are the service's (src/verification/start-request.ts and the
 * grammar of src/lib/sms-text.ts), written once: the table in docs/api.md is generated from this
 * schema (`npm run docs:api`) and a test holds the two equal.
 */
export const startBody = z
  .object({
    to: e164.describe('E.164 number to verify (`+` and 7–15 digits), e.g. +447700900123'),
    channel: z.enum(CHANNELS).optional().describe('A one-step workflow; default `call`'),
    workflow: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/).optional().describe('Instead of `channel`: a named workflow, e.g. sms-call-call (GET /v1/workflows)'),
    lang: plainText(20).optional().describe('Prompt language (en, de, pt-BR…); `de-AT` falls back to `de`. Default: key, then number country, then engine'),
    code: codeDigits.optional().describe('Your own code, if the key has allowCustomCode (not with workflows that issue new codes)'),
    code_length: z.number().int().min(FLASH_CODE_MIN).max(CODE_LENGTH_MAX).optional().describe(`Length of a generated code (default 6; ${CODE_LENGTH_MIN}–${CODE_LENGTH_MAX}); flash calls: the caller ID's last digits, ${FLASH_CODE_MIN}–${FLASH_CODE_MAX}`),
    caller_id: plainText(20).optional().describe("One of the key's allowedCallerIds (compared without +)"),
    brand: brandSchema.optional().describe('`{brand}` in SMS templates'),
    sender: senderSchema.optional().describe("SMS sender: an alphanumeric ID or a number; restricted by the key's allowedSenders"),
    message_template: templateSchema.optional().describe('SMS text with `{code}` and optionally `{brand}`'),
    callback_url: plainText(2048).optional().describe("http(s) URL for this verification's webhooks (else the key's webhookUrl)"),
    expiry_seconds: z.number().int().min(60).max(3600).optional().describe("Validity of a step's code when the workflow sets none (default 600)"),
    gate: z.boolean().optional().describe('Ask the callee to press a random digit before the code is spoken (anti-voicemail)'),
    lead_in_ms: z
      .number()
      .int()
      .min(LEAD_IN.minMs)
      .max(LEAD_IN.maxMs)
      .optional()
      .describe(`Voice calls: silence between answer and the first prompt, in ms, a multiple of ${LEAD_IN.stepMs} (default: the key's leadInMs, else ${PAUSES.leadIn})`),
    amd: z.enum(AMD_MODES).optional().describe("Answering-machine detection on the calls: `off`, `hangup` (a machine ends the attempt as `machine`, nothing spoken) or `wait_for_beep` (a short message without the code after the beep). Default: the key's `amd`; a workflow step's own `amd` wins (docs/amd.md)"),
  })
  .strict();

/** Field refusals answered with the service's own codes (see FieldErrors). */
const START_FIELD_ERRORS: FieldErrors = {
  to: { invalid_format: 'NUMBER_NOT_E164' },
  channel: { invalid_value: 'CHANNEL_UNSUPPORTED' },
  code: { invalid_format: 'CODE_INVALID_FORMAT', too_big: 'CODE_LENGTH_INVALID' },
  code_length: { too_small: 'CODE_LENGTH_INVALID', too_big: 'CODE_LENGTH_INVALID' },
  message_template: { '*': 'TEMPLATE_INVALID' },
};
const CHECK_FIELD_ERRORS: FieldErrors = {
  to: START_FIELD_ERRORS.to as FieldErrors[string],
  code: START_FIELD_ERRORS.code as FieldErrors[string],
};

const idParams = z.object({ id: z.string().max(64) });
/** A check takes the code, or for a flash call the whole calling number (`+` optional). */
const checkCode = z.string().regex(/^\+?[0-9]+$/).max(CODE_DIGITS_MAX + 1);
export const checkBody = z.object({ code: checkCode }).strict();
export const checkByNumberBody = z.object({ to: e164, code: checkCode }).strict();
const checkResponse = z.object({
  id: z.string(),
  status: z.string(),
  verified: z.boolean(),
  attempts_remaining: z.number(),
});
const ID = /^[0-9a-f]{32}$/;

function assertId(id: string): void {
  if (!ID.test(id)) throw new AppError('VERIFICATION_NOT_FOUND');
}

/** The history's answer for a verification no longer in the store (undefined: not there either). */
export type HistoryLookup = (keyId: string, id: string) => Promise<VerificationView | undefined>;

/** The native REST API: /v1/verifications. */
export function verificationRoutes(app: FastifyInstance, service: VerificationService, idempotency: IdempotencyKeys, historyLookup?: HistoryLookup): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 410: errorSchema, 429: errorSchema };

  r.post(
    '/v1/verifications',
    {
      bodyLimit: BODY_LIMITS.start,
      config: { fieldErrors: START_FIELD_ERRORS },
      schema: {
        summary: 'Start a verification',
        description: 'Send an Idempotency-Key header to make retries safe (docs/api.md, "Retries and idempotency").',
        tags: ['verifications'],
        headers: idempotencyHeaders,
        body: startBody,
        response: { 201: verificationSchema.extend({ code: z.string().optional() }), ...errors, ...idempotencyResponses },
      },
      ...idempotency.route(),
    },
    async (request, reply) => {
      const b = request.body;
      const started = await service.start(request.apiKey, {
        to: b.to,
        channel: b.channel,
        workflow: b.workflow,
        lang: b.lang,
        code: b.code,
        codeLength: b.code_length,
        callerId: b.caller_id,
        brand: b.brand,
        sender: b.sender,
        messageTemplate: b.message_template,
        callbackUrl: b.callback_url,
        expirySeconds: b.expiry_seconds,
        gate: b.gate,
        leadInMs: b.lead_in_ms,
        amd: b.amd,
      });
      const view = verificationView(started.record);
      return reply.status(201).send(started.code === undefined ? view : { ...view, code: started.code });
    },
  );

  r.get(
    '/v1/verifications/:id',
    {
      schema: {
        summary: 'Get a verification',
        description: 'After the live record expired, answered from the history (`source: history`, with call detail and cost) when it is on.',
        tags: ['verifications'],
        params: idParams,
        response: { 200: verificationDetailSchema, ...errors },
      },
    },
    async (request) => {
      assertId(request.params.id);
      try {
        return verificationView(await service.get(request.apiKey, request.params.id));
      } catch (err) {
        // Expired from the store: the history still knows it (with its call detail and cost).
        if (!(err instanceof AppError) || err.code !== 'VERIFICATION_NOT_FOUND' || !historyLookup) throw err;
        const found = await historyLookup(request.apiKey.id, request.params.id).catch(() => undefined);
        if (!found) throw err;
        return found;
      }
    },
  );

  r.post(
    '/v1/verifications/:id/check',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { fieldErrors: CHECK_FIELD_ERRORS },
      schema: {
        summary: 'Check a code',
        description: 'Wrong codes answer 200 with verified=false; finished verifications answer an error with a distinct code.',
        tags: ['verifications'],
        params: idParams,
        body: checkBody,
        response: { 200: checkResponse, ...errors },
      },
    },
    async (request) => {
      assertId(request.params.id);
      const result = await service.check(request.apiKey, request.params.id, request.body.code);
      return { id: result.record.id, status: result.record.status, verified: result.verified, attempts_remaining: result.attemptsRemaining };
    },
  );

  r.post(
    '/v1/verifications/check',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { fieldErrors: CHECK_FIELD_ERRORS },
      schema: {
        summary: 'Check a code by phone number',
        description: 'Checks against the latest verification for this number under your key (seed 001).',
        tags: ['verifications'],
        body: checkByNumberBody,
        response: { 200: checkResponse, ...errors },
      },
    },
    async (request) => {
      const result = await service.checkByNumber(request.apiKey, request.body.to, request.body.code);
      return { id: result.record.id, status: result.record.status, verified: result.verified, attempts_remaining: result.attemptsRemaining };
    },
  );

  r.post(
    '/v1/verifications/:id/cancel',
    { bodyLimit: BODY_LIMITS.small, schema: { summary: 'Cancel a verification (hangs up a call in progress)', tags: ['verifications'], params: idParams, response: { 200: verificationSchema, ...errors } } },
    async (request) => {
      assertId(request.params.id);
      return verificationView(await service.cancel(request.apiKey, request.params.id));
    },
  );

  r.post(
    '/v1/verifications/:id/next',
    {
      bodyLimit: BODY_LIMITS.small,
      schema: {
        summary: 'Run the next workflow step now',
        description: 'Places a call or sends an SMS: send an Idempotency-Key header to make retries safe.',
        tags: ['verifications'],
        headers: idempotencyHeaders,
        params: idParams,
        response: { 200: verificationSchema, ...errors, ...idempotencyResponses },
      },
      ...idempotency.route(),
    },
    async (request) => {
      assertId(request.params.id);
      return verificationView(await service.next(request.apiKey, request.params.id));
    },
  );
}
