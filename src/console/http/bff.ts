import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors';
import { maskNumber } from '../../lib/mask';
import type { ConsoleAccounts } from '../accounts';
import type { Role } from '../port';
import { maskNumbers, type ConsoleGuard } from './guard';

/**
 * Which API calls the console may make for whom. Everything else is refused: the console's key
 * is an admin key, so this list, not the key, decides what an operator can do.
 */
const ROUTING_EDIT = /^\/v1\/admin\/routing\/(trunks|routes)\/([A-Za-z0-9_.-]{1,64})$/;

const RULES: ReadonlyArray<{ method: string; path: RegExp; role: Role }> = [
  { method: 'GET', path: /^\/v1\/verifications$/, role: 'viewer' },
  { method: 'GET', path: /^\/v1\/verifications\/[0-9a-f]{32}$/, role: 'viewer' },
  { method: 'GET', path: /^\/v1\/reports\/conversion$/, role: 'viewer' },
  { method: 'GET', path: /^\/v1\/reports\/attempts\.csv$/, role: 'operator' },
  { method: 'GET', path: /^\/v1\/(languages|workflows|trunks)$/, role: 'viewer' },
  { method: 'GET', path: /^\/v1\/simulator\/(numbers|calls|messages)$/, role: 'viewer' },
  { method: 'POST', path: /^\/v1\/verifications$/, role: 'operator' },
  { method: 'POST', path: /^\/v1\/verifications\/[0-9a-f]{32}\/(check|cancel|next)$/, role: 'operator' },
  { method: 'GET', path: /^\/v1\/admin\/do-not-call$/, role: 'operator' },
  { method: 'POST', path: /^\/v1\/admin\/do-not-call$/, role: 'operator' },
  { method: 'DELETE', path: /^\/v1\/admin\/do-not-call$/, role: 'operator' },
  { method: 'POST', path: /^\/v1\/admin\/routing\/reload$/, role: 'admin' },
  { method: 'GET', path: /^\/v1\/admin\/routing$/, role: 'viewer' },
  { method: 'PUT', path: ROUTING_EDIT, role: 'admin' },
  { method: 'DELETE', path: ROUTING_EDIT, role: 'admin' },
];

export function ruleFor(method: string, path: string): Role | undefined {
  return RULES.find((r) => r.method === method && r.path.test(path))?.role;
}

/**
 * /console/api/v1/*: the console's calls to the engine's own API, made in process
 * (`app.inject`) with the console's key after the session, role and CSRF checks. The API's zod
 * schemas, error codes and services answer exactly as they answer API clients. Viewers get
 * numbers masked; every change goes to the audit log.
 */
export function bffRoutes(app: FastifyInstance, deps: { guard: ConsoleGuard; accounts: ConsoleAccounts; apiApp: () => FastifyInstance; authorization: string }): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const url = new URL(request.url, 'http://console.local');
    const path = url.pathname.replace(/^\/console\/api/, '');
    const role = ruleFor(request.method, path);
    if (!role) throw new AppError('CONSOLE_ROLE_REQUIRED', { details: { reason: 'not available in the console' } });
    const session = await deps.guard.require(request, reply, role);
    const response = await deps.apiApp().inject({
      method: request.method as 'GET',
      url: path + url.search,
      // the API names the console user on routing edits it keeps (only for the console's own key)
      headers: { authorization: deps.authorization, 'x-console-user': session.user, ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(request.body !== undefined ? { payload: JSON.stringify(request.body) } : {}),
    });
    if (request.method !== 'GET') {
      const target = /[0-9a-f]{32}/.exec(path)?.[0] ?? ROUTING_EDIT.exec(path)?.[2] ?? null;
      const action = `${request.method} ${path.replace(/[0-9a-f]{32}/, ':id').replace(ROUTING_EDIT, '/v1/admin/routing/$1/:name')}`;
      await deps.accounts.audit(session.user, action, target, response.statusCode, undefined);
    }
    const type = String(response.headers['content-type'] ?? 'application/json');
    void reply.status(response.statusCode).type(type).header('cache-control', 'no-store');
    const disposition = response.headers['content-disposition'];
    if (typeof disposition === 'string') void reply.header('content-disposition', disposition);
    if (!type.startsWith('application/json')) return reply.send(response.rawPayload);
    const body: unknown = response.body === '' ? undefined : JSON.parse(response.body);
    return session.role === 'viewer' ? maskNumbers(body, maskNumber) : body;
  };
  for (const method of ['GET', 'POST', 'PUT', 'DELETE'] as const) app.route({ method, url: '/console/api/v1/*', handler, schema: { hide: true } });
}
