import type { FastifyInstance } from 'fastify';
import type { Pbx } from '../../pbx/port';
import type { Store } from '../../store/port';

/** Liveness and readiness (PBX connected, store reachable). No auth. */
export function healthRoutes(app: FastifyInstance, deps: { pbx: Pbx; store: Store }): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const pbx = deps.pbx.health();
    const store = await deps.store.ping().catch(() => false);
    const ready = pbx.ready && store;
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      pbx: { kind: deps.pbx.kind, ready: pbx.ready, detail: pbx.detail },
      store: { kind: deps.store.kind, ready: store },
    });
  });

}
