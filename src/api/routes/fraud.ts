import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FraudGuard } from '../../fraud/guard';
import { AppError, type ErrorCode } from '../../lib/errors';
import { makeErrorHandler } from '../error-handler';
import type { KeyRing } from '../keys';
import { errorSchema } from '../schemas';

const blockSchema = z.object({
  prefix: z.string().describe('Digits after + (fraudGuard.prefixDigits of them)'),
  blocked_at: z.string(),
  until: z.string().describe('When the block lifts by itself'),
  started: z.number().describe('Judged starts in the window when the block was placed'),
  verified: z.number(),
  conversion: z.number(),
});
const prefixParams = z.object({ prefix: z.string().regex(/^[0-9]{1,15}$/, 'must be digits') }).strict();
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

/**
 * The fraud guard's admin API (keys with `admin: true`): the prefixes blocked now, and lifting one.
 * Without the guard (`fraudGuard.enabled: false`) the list is empty and nothing can be lifted.
 */
export function fraudRoutes(deps: { keys: KeyRing; guard: FraudGuard | undefined; logger: Logger; onRefusal(code: ErrorCode): void }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      if (key.admin !== true) throw new AppError('ADMIN_REQUIRED');
      request.apiKey = key;
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/v1/admin/fraud/blocks',
      { schema: { summary: 'Destination prefixes the fraud guard blocks now', tags: ['admin'], response: { 200: z.object({ enabled: z.boolean(), blocks: z.array(blockSchema) }), ...errors } } },
      async () => ({ enabled: deps.guard !== undefined, blocks: deps.guard ? await deps.guard.list() : [] }),
    );
    r.delete(
      '/v1/admin/fraud/blocks/:prefix',
      { schema: { summary: 'Lift a fraud-guard block now (every engine drops it within fraudGuard.evaluateEveryMs)', tags: ['admin'], params: prefixParams, response: { 200: z.object({ lifted: z.string() }), ...errors } } },
      async (request) => {
        if (!deps.guard) throw new AppError('FRAUD_BLOCK_NOT_FOUND', { details: { prefix: request.params.prefix } });
        await deps.guard.lift(request.params.prefix);
        return { lifted: request.params.prefix };
      },
    );
  };
}
