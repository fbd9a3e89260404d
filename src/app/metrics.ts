import { metricsListener, metricsOpenToNetwork } from '../api/routes/metrics';
import { serverTimeouts } from '../api/server';
import type { Metrics } from '../metrics/metrics';
import type { Base } from './base';
import type { Capability } from './capability';

/**
 * `metrics.*`: who may read /metrics. With `metrics.port`, a listener of its own serves it
 * (the API port then does not); `metrics.token` is checked wherever it is served (app/api.ts).
 */
export function metricsCapability(base: Base, deps: { metrics: Metrics }): Capability {
  const { config, logger } = base;
  const port = config.metrics.port;
  const listener =
    port === undefined
      ? undefined
      : metricsListener({ metrics: deps.metrics, access: { token: config.metrics.token }, timeouts: serverTimeouts(config.http), host: config.metrics.host, port });
  return {
    name: 'metrics',
    async start() {
      if (metricsOpenToNetwork(config)) logger.warn({ host: config.host }, '/metrics is open to anyone who reaches the API port: set metrics.token or metrics.port');
      if (listener) logger.info(await listener.listen(), 'metrics listening');
    },
    stop: async () => listener?.close(),
  };
}
