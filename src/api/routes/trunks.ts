import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../lib/errors';
import { routeEditSchema, trunkEditSchema, type OverrideKind } from '../../routing/overrides';
import type { RoutingEditor } from '../../routing/routing-editor';
import { makeErrorHandler } from '../error-handler';
import type { KeyRing } from '../keys';

/** What the routing capability offers the admin API (src/app/routing.ts). */
export interface RoutingAdmin {
  /** Every trunk with its breaker state and figures. */
  trunks(): Promise<unknown[]>;
  /** Re-reads the configuration file; a bad file keeps the routes in force and says why. */
  reload(): { ok: true; trunks: number; routes: number } | { ok: false; problems: string[] };
  /** Admins' edits laid over the file (docs/routing.md "Editing trunks and routes"). */
  editor: RoutingEditor;
}

export interface TrunkRoutesDeps {
  keys: KeyRing;
  routing: RoutingAdmin;
  logger: Logger;
  onRefusal(code: ErrorCode): void;
  /** Records an edit made with an API key in the console's audit log. */
  audit?: ((actor: string, action: string, target: string, status: number) => Promise<void>) | undefined;
  /** The console's own key: its edits name the console user (`x-console-user`) and the console audits them itself. */
  consoleKeyId?: string | undefined;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const target = z.object({ name: z.string().regex(NAME) });

/** GET /v1/trunks, POST /v1/admin/routing/reload and the routing edits (keys with `admin: true`). */
export function trunkRoutes(deps: TrunkRoutesDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      if (key.admin !== true) throw new AppError('ADMIN_REQUIRED');
      request.apiKey = key;
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    const { editor } = deps.routing;
    const fromConsole = (request: FastifyRequest): boolean => deps.consoleKeyId !== undefined && request.apiKey?.id === deps.consoleKeyId;
    const actor = (request: FastifyRequest): string => {
      const user = request.headers['x-console-user'];
      return fromConsole(request) && typeof user === 'string' && NAME.test(user) ? user : (request.apiKey?.id ?? 'api');
    };
    const audit = async (request: FastifyRequest, action: string, name: string): Promise<void> => {
      if (!fromConsole(request)) await deps.audit?.(`key:${request.apiKey?.id ?? ''}`, action, name, 200).catch(() => undefined);
    };

    app.get('/v1/trunks', { schema: { summary: 'Trunks with their breaker state and figures (admin keys)', tags: ['admin'] } }, async () => ({ trunks: await deps.routing.trunks() }));
    app.post('/v1/admin/routing/reload', { schema: { summary: 'Reload trunks, routes and caller-ID pools from the configuration file (admin keys)', tags: ['admin'] } }, async () => {
      const result = deps.routing.reload();
      if (!result.ok) throw new AppError('ROUTING_RELOAD_REFUSED', { details: { problems: result.problems } });
      return result;
    });
    r.get('/v1/admin/routing', { schema: { summary: 'Trunks and routes in force: the configuration file with the admins\' edits laid over it, and the edits (admin keys)', tags: ['admin'] } }, async () => ({
      editable: editor.editable,
      ...editor.view(),
    }));
    r.put(
      '/v1/admin/routing/trunks/:name',
      { schema: { summary: 'Edit a trunk: drain (enabled: false), caps, caller-ID pool; absent fields keep the file\'s value. Applied at once, kept in the history database, read by every engine within 5 s (admin keys)', tags: ['admin'], params: target, body: trunkEditSchema } },
      async (request) => {
        const override = await editor.edit('trunk', request.params.name, request.body, actor(request));
        await audit(request, 'routing.trunk.edit', request.params.name);
        return override;
      },
    );
    r.put(
      '/v1/admin/routing/routes/:name',
      { schema: { summary: 'Edit a route\'s trunks: failover order, or weights (admin keys); the name is the route\'s `name`, else `routes.N`', tags: ['admin'], params: target, body: routeEditSchema } },
      async (request) => {
        const override = await editor.edit('route', request.params.name, request.body, actor(request));
        await audit(request, 'routing.route.edit', request.params.name);
        return override;
      },
    );
    for (const kind of ['trunk', 'route'] as const satisfies readonly OverrideKind[]) {
      r.delete(`/v1/admin/routing/${kind}s/:name`, { schema: { summary: `Drop the edit of a ${kind}: the configuration file's values are in force again (admin keys)`, tags: ['admin'], params: target } }, async (request) => {
        const removed = await editor.reset(kind, request.params.name);
        await audit(request, `routing.${kind}.reset`, request.params.name);
        return { removed };
      });
    }
  };
}
