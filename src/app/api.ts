import type { FastifyInstance } from 'fastify';
import { compatPlugins } from '../api/compat';
import { IdempotencyKeys } from '../api/idempotency/idempotency';
import { buildServer } from '../api/server';
import type { ErrorCode } from '../lib/errors';
import { ManualClock } from '../lib/clock';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import type { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import type { Store } from '../store/port';
import type { WorkflowStep } from '../verification/model';
import type { UrlGuard } from '../verification/ports';
import type { VerificationService } from '../verification/service';
import { packageVersion, type Base } from './base';
import type { ApiRoutes, Capability } from './capability';

export interface ApiCapability extends Capability {
  app: FastifyInstance;
  /** The port the listener is bound to (known once started; `config.port` may be 0). */
  boundPort(): number;
}

export interface ApiCapabilityDeps {
  service: VerificationService;
  workflows: Readonly<Record<string, readonly WorkflowStep[]>>;
  store: Store;
  pbx: Pbx;
  simulators: readonly SimulatorPbx[];
  urlGuard: UrlGuard;
  metrics: Metrics;
  /** Route plugins of the other capabilities (after the built-in and compat routes). */
  routes: readonly ApiRoutes[];
  /** Runs every capability's due work (manual test clock only). */
  runDue: () => Promise<void>;
}

/** `host`, `port` and the compat endpoints: the HTTP server, listening once started. */
export async function apiCapability(base: Base, deps: ApiCapabilityDeps): Promise<ApiCapability> {
  const { config, logger, keys, catalog, clock } = base;
  const { service, metrics } = deps;
  const onRefusal = (code: ErrorCode): void => metrics.refusalsTotal.inc({ code });
  // Idempotency-Key on creating routes, kept in the store so every engine on it sees them.
  const idempotency = new IdempotencyKeys({ store: deps.store, clock, logger, secret: base.secret });
  const app = await buildServer({
    logger,
    service,
    keys,
    metrics,
    store: deps.store,
    idempotency,
    pbx: deps.pbx,
    catalog,
    workflows: deps.workflows,
    version: packageVersion(),
    http: config.http,
    // /metrics moves to its own listener when metrics.port is set (app/metrics.ts)
    metricsOnApiPort: config.metrics.port === undefined,
    metricsAccess: { token: config.metrics.token },
    plugins: [...compatPlugins({ service, keys, urlGuard: deps.urlGuard, clock, logger, onRefusal, idempotency }), ...deps.routes],
    simulator: deps.simulators[0],
    testClock: clock instanceof ManualClock ? { clock, runDue: deps.runDue } : undefined,
  });
  return {
    name: 'api',
    app,
    async start() {
      await app.listen({ port: config.port, host: config.host });
    },
    stop: () => app.close(),
    boundPort() {
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
  };
}
