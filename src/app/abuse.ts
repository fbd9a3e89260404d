import { doNotCallRoutes } from '../api/routes/do-not-call';
import type { ErrorCode } from '../lib/errors';
import { FileNumberList } from '../lib/number-list-file';
import { PollLoop } from '../lib/poll-loop';
import type { Metrics } from '../metrics/metrics';
import type { Store } from '../store/port';
import { AbuseControls, type Admission } from '../verification/policy/admission';
import { DoNotCallList } from '../verification/policy/do-not-call';
import type { Base } from './base';
import type { Capability } from './capability';

export interface AbuseCapability extends Capability {
  /** What every start passes before anything is dialled; undefined with `abuse.enabled: false`. */
  admission: Admission | undefined;
}

/**
 * `abuse` (docs/abuse-controls.md): flood limits, quotas, number lists and the do-not-call list,
 * whose file is read now and re-read periodically once started; its admin routes.
 */
export async function abuseCapability(base: Base, deps: { store: Store; metrics: Metrics }): Promise<AbuseCapability> {
  const { config, logger, keys } = base;
  const dncFile = config.abuse.doNotCall.file;
  const doNotCall = new DoNotCallList(dncFile === undefined ? undefined : new FileNumberList(dncFile));
  await doNotCall.reload();
  const dncReload = new PollLoop(async () => (await doNotCall.reload(), 0), config.abuse.doNotCall.reloadSeconds * 1000, (err) =>
    logger.error({ err }, 'could not read the do-not-call list'),
  );
  const admission = new AbuseControls({ counters: deps.store, config: config.abuse, onDoNotCallList: (n) => doNotCall.has(n), logger: logger.child({ component: 'abuse' }) });
  if (!config.abuse.enabled) logger.warn('abuse controls are off (abuse.enabled: false): no flood limits, quotas, lists or do-not-call');
  const onRefusal = (code: ErrorCode): void => deps.metrics.refusalsTotal.inc({ code });
  return {
    name: 'abuse',
    admission: config.abuse.enabled ? admission : undefined,
    routes: [doNotCallRoutes({ keys, list: doNotCall, logger, onRefusal })],
    start: async () => dncReload.start(),
    stop: () => dncReload.stop(),
  };
}
