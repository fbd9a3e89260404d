import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConsoleAccounts } from '../accounts';
import type { SessionSigner } from '../session';
import type { ConsoleGuard } from './guard';

const passwordBody = z.strictObject({ current: z.string().min(1).max(200), password: z.string().max(200) });

/**
 * `POST /console/api/password`: an operator changes their own password (the current one is
 * needed). Every session of the account ends, on every engine (the session version rises); the
 * caller gets a new session and CSRF token in the answer.
 */
export function passwordRoute(app: FastifyInstance, deps: { guard: ConsoleGuard; signer: SessionSigner; accounts: ConsoleAccounts; now(): number }): void {
  app.withTypeProvider<ZodTypeProvider>().post('/console/api/password', { schema: { hide: true, body: passwordBody } }, async (request, reply) => {
    const s = await deps.guard.require(request, reply, 'viewer');
    const op = await deps.accounts.changePassword(s.op, request.body.current, request.body.password);
    const session = deps.signer.newSession(op, deps.now());
    deps.guard.issue(request, reply, session);
    return { user: op.username, role: op.role, csrf: session.csrf };
  });
}
