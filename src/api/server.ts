import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { ApiKeyConfig, Config } from '../config/schema';
import type { ManualClock } from '../lib/clock';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import type { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import type { PromptCatalog } from '../prompts/catalog';
import type { Store } from '../store/port';
import { AppError } from '../lib/errors';
import type { WorkflowStep } from '../verification/model';
import type { VerificationService } from '../verification/service';
import { errorBody, makeErrorHandler } from './error-handler';
import { COMPAT_TAGS } from './compat/openapi';
import type { IdempotencyKeys } from './idempotency/idempotency';
import type { KeyRing } from './keys';
import { BODY_LIMITS } from './limits';
import { catalogRoutes } from './routes/catalog';
import { healthRoutes } from './routes/health';
import { metricsRoute, type MetricsAccess } from './routes/metrics';
import { simulatorRoutes } from './routes/simulator';
import { testClockRoutes } from './routes/test-clock';
import { verificationRoutes } from './routes/verifications';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API key (routes under /v1). */
    apiKey: ApiKeyConfig;
  }
}

export interface ApiDeps {
  logger: Logger;
  service: VerificationService;
  keys: KeyRing;
  metrics: Metrics;
  store: Store;
  /** Idempotency-Key on creating routes (src/api/idempotency). */
  idempotency: IdempotencyKeys;
  pbx: Pbx;
  catalog: PromptCatalog;
  workflows: Readonly<Record<string, readonly WorkflowStep[]>>;
  version: string;
  /** Present when the PBX is the built-in simulator: QA routes. */
  simulator?: SimulatorPbx | undefined;
  /** Present only with testing.manualClock. */
  testClock?: { clock: ManualClock; runDue(): Promise<void> } | undefined;
  /** Extra route plugins (compat endpoints). */
  plugins?: Array<(app: FastifyInstance) => void | Promise<void>>;
  /** Deadlines against slow clients (config `http`). */
  http: HttpLimits;
  /** Serve /metrics on the API port (false when it has a listener of its own), and who may read it. */
  metricsOnApiPort: boolean;
  metricsAccess: MetricsAccess;
}

/**
 * fastify's options for these deadlines. Node checks the header and request deadlines every
 * `connectionsCheckingInterval` (30 s by default): a slow client is closed within one interval.
 */
export function serverTimeouts(limits: HttpLimits) {
  return {
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
  };
}

/** The server's deadlines (config `http`), against clients that send slowly or not at all. */
export type HttpLimits = Config['http'];

/** Builds the HTTP server. It never listens by itself: main.ts (or a test) decides. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // No logger for fastify itself: with one it builds a child logger per request (measured
    // ~25 µs of a 100 µs check) and its request lines would carry query strings, where compat
    // endpoints put numbers. Routes and hooks log through the engine's logger.
    logger: false,
    bodyLimit: BODY_LIMITS.default,
    ...serverTimeouts(deps.http),
    trustProxy: false,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built from typed views; their schemas document them, no re-validation per request.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.metrics.refusalsTotal.inc({ code })));
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send(errorBody(new AppError('ROUTE_NOT_FOUND')));
  });

  // JSON as fastify parses it, except that an empty body (POST …/cancel) means "no body".
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    void defaultJson(request, text, done);
  });

  app.decorateRequest('apiKey', undefined as unknown as ApiKeyConfig);
  const debug = deps.logger.isLevelEnabled('debug');
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpSeconds.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (debug) deps.logger.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'pbxverify',
        version: deps.version,
        description: 'Phone verification on your own PBX: voice codes, reverse (keypad) verification, SMS and escalating workflows.',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic', description: 'API key id as user name, secret as password' },
          bearer: { type: 'http', scheme: 'bearer', description: 'Bearer id:secret' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }],
      tags: [
        { name: 'verifications', description: 'The native API (docs/api.md)' },
        { name: 'catalog', description: 'What this engine offers' },
        { name: 'simulator', description: 'QA views of the built-in simulator PBX' },
        { name: 'admin', description: 'Admin keys only' },
        ...COMPAT_TAGS,
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, { pbx: deps.pbx, store: deps.store });
  if (deps.metricsOnApiPort) metricsRoute(app, { metrics: deps.metrics, access: deps.metricsAccess });

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => {
      request.apiKey = deps.keys.fromHeader(request.headers.authorization);
    });
    verificationRoutes(scope, deps.service, deps.idempotency);
    catalogRoutes(scope, { catalog: deps.catalog, workflows: deps.workflows });
    if (deps.simulator) simulatorRoutes(scope, { simulator: deps.simulator, ownerOf: async (id) => (await deps.store.get(id))?.keyId });
    if (deps.testClock) testClockRoutes(scope, deps.testClock);
  });

  for (const plugin of deps.plugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}
