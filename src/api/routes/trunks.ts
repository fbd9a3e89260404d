import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../../lib/errors';
import { makeErrorHandler } from '../error-handler';
import type { KeyRing } from '../keys';

/** What the routing capability offers the admin API (src/app/routing.ts). */
export interface RoutingAdmin {
  /** Every trunk with its breaker state and figures. */
  trunks(): Promise<unknown[]>;
  /** Re-reads the configuration file; a bad file keeps the routes in force and says why. */
  reload(): { ok: true; trunks: number; routes: number } | { ok: false; problems: string[] };
}

/** GET /v1/trunks and POST /v1/admin/routing/reload (keys with `admin: true`). */
export function trunkRoutes(deps: { keys: KeyRing; routing: RoutingAdmin; logger: Logger; onRefusal(code: ErrorCode): void }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      if (key.admin !== true) throw new AppError('ADMIN_REQUIRED');
      request.apiKey = key;
    });
    app.get('/v1/trunks', { schema: { summary: 'Trunks with their breaker state and figures (admin keys)', tags: ['admin'] } }, async () => ({ trunks: await deps.routing.trunks() }));
    app.post('/v1/admin/routing/reload', { schema: { summary: 'Reload trunks, routes and caller-ID pools from the configuration file (admin keys)', tags: ['admin'] } }, async () => {
      const result = deps.routing.reload();
      if (!result.ok) throw new AppError('ROUTING_RELOAD_REFUSED', { details: { problems: result.problems } });
      return result;
    });
  };
}
