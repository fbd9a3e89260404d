import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../lib/errors';
import { parseE164 } from '../../verification/numbers';
import type { DoNotCallList } from '../../verification/policy/do-not-call';
import { makeErrorHandler } from '../error-handler';
import type { KeyRing } from '../keys';
import { QUERY_TO_ERRORS, queryE164 } from '../query-number';

const numbersBody = z.object({ numbers: z.array(z.string().max(32)).min(1).max(1000) }).strict();
const checkQuery = z.object({ to: queryE164.optional() }).strict();

/**
 * The do-not-call list's admin API (keys with `admin: true`): list or test numbers, add, remove.
 * Changes are saved to `abuse.doNotCall.file` when one is configured (docs/abuse-controls.md).
 */
export function doNotCallRoutes(deps: { keys: KeyRing; list: DoNotCallList; logger: Logger; onRefusal(code: ErrorCode): void }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      if (key.admin !== true) throw new AppError('ADMIN_REQUIRED');
      request.apiKey = key;
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/admin/do-not-call', { config: { fieldErrors: QUERY_TO_ERRORS }, schema: { summary: 'The do-not-call list, or whether one number is on it', tags: ['admin'], querystring: checkQuery } }, async (request) => {
      if (request.query.to !== undefined) return { to: request.query.to, listed: deps.list.has(parseE164(request.query.to).e164) };
      return { count: deps.list.size(), numbers: deps.list.list() };
    });
    r.post('/v1/admin/do-not-call', { schema: { summary: 'Add numbers to the do-not-call list', tags: ['admin'], body: numbersBody } }, async (request) => {
      const numbers = request.body.numbers.map((n) => parseE164(n).e164);
      return { added: await deps.list.add(numbers), count: deps.list.size() };
    });
    r.delete('/v1/admin/do-not-call', { schema: { summary: 'Remove numbers from the do-not-call list', tags: ['admin'], body: numbersBody } }, async (request) => {
      const numbers = request.body.numbers.map((n) => parseE164(n).e164);
      return { removed: await deps.list.remove(numbers), count: deps.list.size() };
    });
  };
}
