import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ManualClock } from '../../lib/clock';

/**
 * The manual clock (testing.manualClock only): lets an e2e test move time over HTTP and run
 * whatever became due (workflow steps, expiries, webhook retries) before answering.
 */
export function testClockRoutes(app: FastifyInstance, deps: { clock: ManualClock; runDue(): Promise<void> }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/test/clock', { schema: { hide: true } }, async () => ({ now: new Date(deps.clock.now()).toISOString() }));
  r.post(
    '/v1/test/clock',
    { schema: { hide: true, body: z.object({ advance_ms: z.number().int().min(0).max(30 * 86_400_000) }).strict() } },
    async (request) => {
      deps.clock.advance(request.body.advance_ms);
      await deps.runDue();
      return { now: new Date(deps.clock.now()).toISOString() };
    },
  );
}
