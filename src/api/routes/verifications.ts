import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHANNELS, type ChannelName } from '../../config/schema';
import { AppError } from '../../lib/errors';
import type { VerificationService } from '../../verification/service';
import { verificationView, type VerificationView } from '../../verification/view';
import { errorSchema, verificationSchema } from '../schemas';

const startBody = z
  .object({
    to: z.string().max(32).describe('E.164 number to verify, e.g. +447700900123'),
    channel: z.string().max(20).optional().describe(`One of ${CHANNELS.join(', ')} (a one-step workflow)`),
    workflow: z.string().max(40).optional().describe('Named workflow, e.g. sms-call-call; see GET /v1/workflows'),
    lang: z.string().max(20).optional().describe('Prompt language (en, de, pt-BR…); default: key, then number country'),
    code: z.string().max(64).optional().describe('Your own code (digits, up to 20), if the key allows it'),
    code_length: z.number().int().optional().describe('Generated code length, 4–10 (default 6)'),
    caller_id: z.string().max(20).optional().describe("One of the key's allowed caller IDs"),
    brand: z.string().max(32).optional(),
    sender: z.string().max(15).optional().describe('SMS sender: up to 11 letters/digits or a number'),
    message_template: z.string().max(1000).optional().describe('SMS text with {code} and optionally {brand}'),
    callback_url: z.string().max(2048).optional().describe('Webhook URL for this verification'),
    expiry_seconds: z.number().int().min(60).max(3600).optional(),
    gate: z.boolean().optional().describe('Ask the callee to press a digit before the code is spoken'),
  })
  .strict();

const idParams = z.object({ id: z.string().max(64) });
const checkBody = z.object({ code: z.string().max(64) }).strict();
const checkByNumberBody = z.object({ to: z.string().max(32), code: z.string().max(64) }).strict();
const checkResponse = z.object({
  id: z.string(),
  status: z.string(),
  verified: z.boolean(),
  attempts_remaining: z.number(),
});
const ID = /^[0-9a-f]{32}$/;
/** Fields only a verification answered from the history has. */
const historyExtension = {
  source: z.enum(['history']).optional().describe('Present when the live record expired and the history answered'),
  reason: z.string().nullable().optional(),
  ended_by: z.string().nullable().optional(),
  cost: z.string().nullable().optional().describe('Decimal, in `currency`'),
  currency: z.string().nullable().optional(),
};

function assertId(id: string): void {
  if (!ID.test(id)) throw new AppError('VERIFICATION_NOT_FOUND');
}

/** The history's answer for a verification no longer in the store (undefined: not there either). */
export type HistoryLookup = (keyId: string, id: string) => Promise<VerificationView | undefined>;

/** The native REST API: /v1/verifications. */
export function verificationRoutes(app: FastifyInstance, service: VerificationService, historyLookup?: HistoryLookup): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 410: errorSchema, 429: errorSchema };

  r.post(
    '/v1/verifications',
    {
      schema: {
        summary: 'Start a verification',
        tags: ['verifications'],
        body: startBody,
        response: { 201: verificationSchema.extend({ code: z.string().optional() }), ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.channel !== undefined && !CHANNELS.includes(b.channel as ChannelName)) {
        throw new AppError('CHANNEL_UNSUPPORTED', { details: { channel: b.channel, known: CHANNELS } });
      }
      const started = await service.start(request.apiKey, {
        to: b.to,
        channel: b.channel as ChannelName | undefined,
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
        response: { 200: verificationSchema.extend(historyExtension), ...errors },
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
    { schema: { summary: 'Cancel a verification (hangs up a call in progress)', tags: ['verifications'], params: idParams, response: { 200: verificationSchema, ...errors } } },
    async (request) => {
      assertId(request.params.id);
      return verificationView(await service.cancel(request.apiKey, request.params.id));
    },
  );

  r.post(
    '/v1/verifications/:id/next',
    { schema: { summary: 'Run the next workflow step now', tags: ['verifications'], params: idParams, response: { 200: verificationSchema, ...errors } } },
    async (request) => {
      assertId(request.params.id);
      return verificationView(await service.next(request.apiKey, request.params.id));
    },
  );
}
