import { callEnd } from '../../../src/pbx/port';
import { TrunkHealth } from '../../../src/routing/trunk-health';

const SETTINGS = { window: 10, minCalls: 5, minAsr: 0.3, maxConsecutiveFailures: 3, openMs: 1000 };
const congestion = callEnd('congestion', 'remote', { q850: 34, sip: 503 }, 0);
const busy = callEnd('busy', 'remote', { q850: 17, sip: 486 }, 0);

describe('the trunk breaker', () => {
  it('opens after consecutive trunk-cause failures, lets one probe through after the rest, and closes on an answer', () => {
    const h = new TrunkHealth('a', SETTINGS);
    for (let i = 0; i < 3; i++) {
      expect(h.admit(0)).toBe(true);
      h.onRefused(congestion, 'trunk', 10, 0);
    }
    expect(h.stateAt(0)).toBe('open');
    expect(h.admit(500)).toBe(false);
    expect(h.stateAt(1000)).toBe('half-open');
    expect(h.admit(1000)).toBe(true); // the probe
    expect(h.admit(1001)).toBe(false); // one at a time
    h.onAnswered(20);
    expect(h.stateAt(1002)).toBe('closed');
    expect(h.describe(1002)).toMatchObject({ attempts: 4, answered: 1, times_opened: 1, window_calls: 0 });
  });

  it('opens again when the probe is refused by the trunk, and frees the probe when no call was placed', () => {
    const h = new TrunkHealth('a', SETTINGS);
    for (let i = 0; i < 3; i++) h.onRefused(congestion, 'trunk', 10, 0);
    expect(h.admit(1000)).toBe(true);
    h.abandon();
    expect(h.admit(1000)).toBe(true);
    h.onRefused(congestion, 'trunk', 10, 1000);
    expect(h.stateAt(1500)).toBe('open');
    expect(h.describe(1500).open_reason).toBe('probe refused by the trunk');
  });

  it('opens on a low answer-seizure ratio once the window has enough calls; person causes reset the run', () => {
    const h = new TrunkHealth('a', SETTINGS);
    for (let i = 0; i < 4; i++) {
      h.onRefused(busy, 'person', 10, 0);
      expect(h.stateAt(0)).toBe('closed');
    }
    h.onAnswered(10);
    h.onRefused(busy, 'person', 10, 0);
    h.onRefused(busy, 'person', 10, 0);
    h.onRefused(busy, 'person', 10, 0);
    expect(h.stateAt(0)).toBe('open');
    expect(h.describe(0).open_reason).toMatch(/answer-seizure ratio 0.125 below 0.3/);
  });

  it('ignores our own cancels', () => {
    const h = new TrunkHealth('a', SETTINGS);
    h.onRefused(callEnd('canceled', 'local', {}, 0), 'ours', 5, 0);
    expect(h.describe(0)).toMatchObject({ attempts: 0, state: 'closed' });
  });
});
