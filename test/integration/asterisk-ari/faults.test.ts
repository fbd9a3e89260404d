import { AriStartError } from '../../../src/pbx/asterisk-ari/ari-connection';
import type { AriPbx } from '../../../src/pbx/asterisk-ari/ari-pbx';
import { FakeAri } from '../../fakes/ari/fake-ari';
import { fakeAndDriver, makeDriver } from '../../fakes/ari/harness';

/** Waits until `check` holds, polling; fails the test after `ms`. Waits for a state, never asserts a duration. */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const req = (to: string, ringTimeoutMs = 30_000) => ({ to, lang: 'en', ringTimeoutMs, tag: 'fault' });
const SILENT = '+12025550102';
const NO_ANSWER = '+12025550104';
const LATE_PRESS = '+12025550111';
const HANGS_UP = '+12025550108';

describe('asterisk-ari driver faults (on the fake ARI)', () => {
  describe('wrong credentials', () => {
    it('fails start-up with a clear error naming the user, not the password, and keeps the process alive', async () => {
      const fake = new FakeAri({ user: 'pbxverify', password: 'right-password' });
      await fake.start();
      const pbx = makeDriver(fake.ariUrl('pbxverify', 'pbxverify', 'wrong-password'));
      try {
        const started = pbx.start();
        await expect(started).rejects.toBeInstanceOf(AriStartError);
        const err = (await started.catch((e: unknown) => e)) as Error;
        expect(err.message).toMatch(/rejected user "pbxverify" \(HTTP 401\)/);
        expect(err.message).not.toContain('wrong-password');
        expect(pbx.health().ready).toBe(false);
        // no event socket was ever attempted with the bad password
        expect(fake.upgrades).toBe(0);
      } finally {
        await pbx.stop();
        await fake.stop();
      }
    });

    it('fails start-up with a clear error when nothing listens', async () => {
      const fake = new FakeAri();
      await fake.start();
      const url = fake.ariUrl();
      await fake.stop();
      const pbx = makeDriver(url, { startTimeoutMs: 300 });
      await expect(pbx.start()).rejects.toThrow(/cannot reach ARI at http:\/\/127\.0\.0\.1:\d+ \(GET \/ari\/asterisk\/info: ECONNREFUSED\)/);
      await pbx.stop();
    });
  });

  describe('the PBX gone longer than ari-client would retry, then back', () => {
    let fake: FakeAri;
    let pbx: AriPbx;
    beforeAll(async () => {
      ({ fake, pbx } = await fakeAndDriver({ reconnectBaseMs: 5, reconnectMaxMs: 20, lostCallsAfterMs: 300 }));
    });
    afterAll(async () => {
      await pbx.stop();
      await fake.stop();
    });

    it('fails calls in flight cleanly, keeps reconnecting past 10 attempts, and places calls again once back', async () => {
      const answered = await pbx.originate(req(SILENT), { timeoutMs: 10_000 });
      if (!answered.ok) throw new Error('expected an answer');
      const ringing = pbx.originate(req(NO_ANSWER), { timeoutMs: 60_000 });
      await until(() => fake.engine.channels.size === 2 && pbx.inFlight().attempts === 1, 'the second call to ring');

      await fake.down({ restart: true });
      const attempt = await ringing;
      expect(attempt.ok).toBe(false);
      if (!attempt.ok) {
        expect(attempt.end.outcome).toBe('failed');
        expect(attempt.end.reason).toBe(0);
        expect(attempt.end.cause.text).toMatch(/PBX unreachable/);
      }
      const end = await answered.call.ended;
      expect(end).toMatchObject({ outcome: 'answered', by: 'pbx' });
      // while away, a new attempt is refused as a value at once
      const refused = await pbx.originate(req(SILENT), { timeoutMs: 10_000 });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.end.cause.text).toMatch(/PBX unavailable: reconnecting/);

      // ari-client stops after 10 tries; this loop does not
      await until(() => /reconnecting \(attempt (1[2-9]|[2-9]\d|\d{3,})\)/.test(pbx.health().detail), 'more than 11 reconnect attempts');
      await fake.up();
      await until(() => pbx.health().ready, 'the driver to reconnect');
      expect(pbx.inFlight()).toEqual({ attempts: 0, calls: 0 });

      const again = await pbx.originate(req(SILENT), { timeoutMs: 10_000 });
      expect(again.ok).toBe(true);
      if (again.ok) await again.call.hangup();
    });
  });

  describe('a REST call that never answers', () => {
    let fake: FakeAri;
    let pbx: AriPbx;
    beforeAll(async () => {
      ({ fake, pbx } = await fakeAndDriver({ originateTimeoutMs: 300, restTimeoutMs: 300 }));
    });
    afterEach(() => fake.unstall());
    afterAll(async () => {
      await pbx.stop();
      await fake.stop();
    });

    it('ends an originate whose POST hangs with a failed outcome at the deadline', async () => {
      fake.stall(/^POST \/ari\/channels$/);
      const result = await pbx.originate(req(SILENT), { timeoutMs: 10_000 });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.end.outcome).toBe('failed');
        expect(result.end.cause.text).toMatch(/no answer within the deadline/);
      }
      expect(pbx.inFlight().attempts).toBe(0);
    });

    it('returns from hangup when DELETE hangs, and from play with timeout when the play request hangs', async () => {
      const dialed = await pbx.originate(req(SILENT), { timeoutMs: 10_000 });
      if (!dialed.ok) throw new Error('expected an answer');
      fake.stall(/\/play$/);
      await expect(dialed.call.play([{ prompt: 'digit-1' }], { timeoutMs: 400 })).resolves.toEqual({ ok: false, reason: 'timeout' });
      fake.stall(/^DELETE \/ari\/channels\//);
      await expect(dialed.call.hangup()).resolves.toBeUndefined();
      const end = await dialed.call.ended;
      expect(end.by).toBe('local');
    });
  });

  describe('the event WebSocket cut mid-call', () => {
    let fake: FakeAri;
    let pbx: AriPbx;
    beforeAll(async () => {
      ({ fake, pbx } = await fakeAndDriver({ reconnectBaseMs: 5, reconnectMaxMs: 20 }));
    });
    afterEach(() => {
      fake.refuseEvents = false;
    });
    afterAll(async () => {
      await pbx.stop();
      await fake.stop();
    });

    it('reconnects, finds the call alive with GET /channels, and goes on collecting digits', async () => {
      const dialed = await pbx.originate(req(LATE_PRESS), { timeoutMs: 10_000 });
      if (!dialed.ok) throw new Error('expected an answer');
      const before = fake.requests.filter((r) => r === 'GET /ari/channels').length;
      const upgrades = fake.upgrades;
      fake.cutEventSockets();
      await until(() => fake.upgrades > upgrades && pbx.health().ready, 'the driver to reconnect');
      await until(() => fake.requests.filter((r) => r === 'GET /ari/channels').length > before, 'reconciliation');
      const got = await dialed.call.collectDigits({ maxDigits: 10, firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 5_000, totalTimeoutMs: 20_000 });
      expect(got).toEqual({ ok: true, digits: '1234', endedBy: 'terminator' });
      await dialed.call.hangup();
    });

    it('ends a call whose callee hung up while the socket was down, by reconciliation', async () => {
      const dialed = await pbx.originate(req(HANGS_UP), { timeoutMs: 10_000 });
      if (!dialed.ok) throw new Error('expected an answer');
      fake.refuseEvents = true;
      fake.cutEventSockets();
      // the callee hangs up while nobody listens: its ChannelDestroyed is lost
      await until(() => fake.engine.get(dialed.call.id) === undefined, 'the callee to hang up');
      fake.refuseEvents = false;
      const end = await dialed.call.ended;
      expect(end).toMatchObject({ outcome: 'answered', by: 'pbx' });
      expect(end.cause.text).toMatch(/gone while the PBX connection was down/);
    });
  });

  describe('keep-alive', () => {
    it('drops and reopens an event socket whose peer stops answering pings', async () => {
      const { fake, pbx } = await fakeAndDriver({ pingIntervalMs: 100, reconnectBaseMs: 5, reconnectMaxMs: 20 });
      try {
        fake.answerPings = false;
        fake.cutEventSockets();
        await until(() => fake.upgrades >= 2 && pbx.health().ready, 'a silent socket');
        const upgrades = fake.upgrades;
        fake.answerPings = true;
        await until(() => fake.upgrades > upgrades && pbx.health().ready, 'the silent socket to be replaced');
      } finally {
        await pbx.stop();
        await fake.stop();
      }
    });
  });

  describe('Stasis app names', () => {
    it('gives two engines on one URL their own app, so neither steals the other\'s events', async () => {
      const fake = new FakeAri({ timeScale: 0.25 });
      await fake.start();
      const a = makeDriver(fake.ariUrl('pbxverify'));
      const b = makeDriver(fake.ariUrl('pbxverify'));
      try {
        await a.start();
        await b.start();
        expect(a.appName).not.toBe(b.appName);
        expect(fake.connectedApps().sort()).toEqual([a.appName, b.appName].sort());
        const [ra, rb] = await Promise.all([a.originate(req(SILENT), { timeoutMs: 10_000 }), b.originate(req(SILENT), { timeoutMs: 10_000 })]);
        expect(ra.ok && rb.ok).toBe(true);
        if (ra.ok) await ra.call.hangup();
        if (rb.ok) await rb.call.hangup();
      } finally {
        await a.stop();
        await b.stop();
        await fake.stop();
      }
    });
  });
});
