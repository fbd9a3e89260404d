import { hash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics/metrics';
import { AppError } from '../../lib/errors';
import { errorBody, toAppError } from '../error-handler';

/** Who may read /metrics: anyone who reaches the listener, or only with `Authorization: Bearer <token>`. */
export interface MetricsAccess {
  token?: string | undefined;
}

/**
 * GET /metrics (Prometheus text format). With a token, a request without `Bearer <token>` gets
 * 401 AUTH_MISSING / AUTH_INVALID; the token is compared in constant time.
 */
export function metricsRoute(app: FastifyInstance, deps: { metrics: Metrics; access: MetricsAccess }): void {
  const expected = deps.access.token === undefined ? undefined : digest(deps.access.token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) assertBearer(request, expected);
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}

function assertBearer(request: FastifyRequest, expected: Buffer): void {
  const header = request.headers.authorization;
  if (!header) throw new AppError('AUTH_MISSING', { message: 'A metrics token is required (Authorization: Bearer <token>)' });
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match || !timingSafeEqual(digest(match[1] as string), expected)) throw new AppError('AUTH_INVALID', { message: 'The metrics token is not valid' });
}

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** The separate metrics listener (config `metrics.port`): /metrics only, nothing else. */
export interface MetricsListener {
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

/**
 * A listener of its own that serves /metrics only, for a scrape network separate from the API's.
 * Same deadlines as the API server (`timeouts`: serverTimeouts() of the configuration).
 */
export function metricsListener(deps: { metrics: Metrics; access: MetricsAccess; timeouts: object; host: string; port: number }): MetricsListener {
  const app = Fastify({ logger: false, bodyLimit: 1024, trustProxy: false, return503OnClosing: true, ...deps.timeouts });
  app.setErrorHandler((err, _request, reply) => {
    const appError = toAppError(err);
    if (appError.httpStatus === 401) void reply.header('www-authenticate', 'Bearer realm="metrics"');
    void reply.status(appError.httpStatus).send(errorBody(appError));
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send(errorBody(new AppError('ROUTE_NOT_FOUND')));
  });
  metricsRoute(app, deps);
  return {
    async listen() {
      await app.listen({ port: deps.port, host: deps.host });
      const bound = app.server.address();
      return { host: deps.host, port: typeof bound === 'object' && bound ? bound.port : deps.port };
    },
    close: () => app.close(),
  };
}

/** True when /metrics is served on the API port, without a token, to more than this machine. */
export function metricsOpenToNetwork(config: { host: string; metrics: { port?: number | undefined; token?: string | undefined } }): boolean {
  const loopback = config.host === 'localhost' || config.host === '::1' || config.host.startsWith('127.');
  return config.metrics.port === undefined && config.metrics.token === undefined && !loopback;
}
