import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import type { Pbx } from '../../src/pbx/port';

/** The dialer the Pbx contract suite runs through: roomy limits, quick health checks. */
export function contractDialer(nodes: Array<{ name: string; pbx: Pbx }>): DialerPbx {
  return new DialerPbx({
    nodes,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    defaultLimits: { cps: 50, maxConcurrent: 20 },
    queueMaxLength: 50,
    queueTimeoutMs: 10_000,
    healthCheckMs: 100,
    downAfterChecks: 2,
  });
}
