import pino from 'pino';
import { LiveEventBus } from '../../../src/console/live/bus';
import { ObservedPbx } from '../../../src/console/live/observed-pbx';
import { systemClock } from '../../../src/lib/clock';
import type { InboundCall } from '../../../src/pbx/port';
import { SimulatorPbx } from '../../../src/pbx/simulator/simulator-pbx';

/**
 * The console's Pbx decorator sees calls for the Live page and changes nothing else: inbound calls
 * (missed-call verification) still reach whoever listens through it. The typecheck proves every
 * member is forwarded (`EveryPbxMemberForwarded` in observed-pbx.ts); this proves the inbound
 * path behaves.
 */
describe('ObservedPbx', () => {
  it('passes inbound calls through to the listener, refusal included', async () => {
    const sim = new SimulatorPbx({ clock: systemClock, logger: pino({ level: 'silent' }), speed: 20, durationMs: () => 100 });
    const observed = new ObservedPbx(sim, new LiveEventBus(() => Date.now()));
    await observed.start();
    try {
      const seen: InboundCall[] = [];
      observed.onInbound((call) => {
        seen.push(call);
        void call.reject('busy');
      });
      const log = await sim.placeInbound({ from: '+12025550123', did: '+4930123456' });
      expect(seen.map((c) => [c.from, c.did])).toEqual([['+12025550123', '+4930123456']]);
      expect(log.rejected).toBe('busy');
    } finally {
      await observed.stop();
    }
  });
});
