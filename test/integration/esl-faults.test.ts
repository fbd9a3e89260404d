/**
 * The ESL driver when FreeSWITCH misbehaves, on the wire-level fake: a wrong password, a
 * FreeSWITCH that goes away for a long time and comes back, commands that never get a reply,
 * a socket cut in the middle of a call.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import type { Call, OriginateRequest } from '../../src/pbx/port';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { startRig, TEST_SETTINGS, testLogger, type EslRig } from '../support/esl/harness';
import { until } from '../support/esl/until';

const req = (to: string, extra: Partial<OriginateRequest> = {}): OriginateRequest => ({ to, lang: 'en', ringTimeoutMs: 20_000, tag: 'faults', ...extra });
const SILENT = '+12025550102';
const PRESSES = '+12025550163';
const NO_ANSWER = '+12025550104';

async function answer(rig: EslRig, to = SILENT): Promise<Call> {
  const result = await rig.pbx.originate(req(to), { timeoutMs: 20_000 });
  if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome}`);
  return result.call;
}

const long = Array.from({ length: 30 }, () => ({ prompt: 'your-code-is' }));

describe('ESL driver faults', () => {
  describe('a wrong password', () => {
    it('fails start-up with a clear error, without crashing or retrying', async () => {
      const fake = new FakeFreeSwitch({ heartbeatMs: 0 });
      await fake.start();
      const pbx = new FreeSwitchPbx({ target: parseEslUrl(fake.url('WrongPassword')), settings: TEST_SETTINGS, logger: testLogger(), clock: systemClock });
      try {
        await expect(pbx.start()).rejects.toThrow(/refused the password \(-ERR invalid\)/);
        expect(pbx.health()).toEqual({ ready: false, detail: 'stopped' });
        // The esl client on its own would reconnect every 200 ms forever: nothing may follow.
        await new Promise((r) => setTimeout(r, 600));
        expect(fake.server.commandLog.filter((c) => c.startsWith('auth'))).toHaveLength(1);
        expect(fake.server.connectionCount).toBe(0);
        const result = await pbx.originate(req(SILENT), { timeoutMs: 1000 });
        expect(result).toMatchObject({ ok: false, end: { outcome: 'failed', by: 'pbx' } });
      } finally {
        await pbx.stop();
        await fake.stop();
      }
    });

    it('never repeats the password in its error', async () => {
      const fake = new FakeFreeSwitch({ heartbeatMs: 0 });
      await fake.start();
      const pbx = new FreeSwitchPbx({ target: parseEslUrl(fake.url('s3cret-Wrong')), settings: TEST_SETTINGS, logger: testLogger(), clock: systemClock });
      try {
        const err = await pbx.start().catch((e: unknown) => e as Error);
        expect(String(err)).not.toContain('s3cret-Wrong');
      } finally {
        await fake.stop();
      }
    });
  });

  it('fails start-up with a clear error when nothing listens, and starts when asked again later', async () => {
    const fake = new FakeFreeSwitch({ heartbeatMs: 0 });
    const port = await fake.start();
    await fake.stop();
    const pbx = new FreeSwitchPbx({ target: parseEslUrl(fake.url()), settings: TEST_SETTINGS, logger: testLogger(), clock: systemClock });
    await expect(pbx.start()).rejects.toThrow(new RegExp(`esl://127.0.0.1:${port}: connection refused`));
    // The dialer starts a node that did not start again, with back-off.
    await fake.start();
    try {
      await pbx.start();
      expect(pbx.health().ready).toBe(true);
      await expect(pbx.start()).rejects.toThrow(/already started/);
    } finally {
      await pbx.stop();
      await fake.stop();
    }
  });

  describe('FreeSWITCH gone for many reconnect attempts, then back', () => {
    let rig: EslRig;
    beforeAll(async () => {
      rig = await startRig({ settings: { reconnectMaxDelayMs: 200 } });
    });
    afterAll(() => rig.close());

    it('fails what was in flight, reconnects, resubscribes and places new calls', async () => {
      const talking = await answer(rig);
      const collecting = await answer(rig);
      const collect = collecting.collectDigits({ maxDigits: 6, firstDigitTimeoutMs: 60_000, interDigitTimeoutMs: 5000, totalTimeoutMs: 120_000 });
      const ringing = rig.pbx.originate(req(NO_ANSWER), { timeoutMs: 60_000 });
      await until(() => rig.fake.channels.size >= 6, 'three calls up');

      await rig.fake.stop();
      const ringResult = await ringing;
      expect(ringResult).toMatchObject({ ok: false, end: { outcome: 'failed', by: 'pbx' } });
      await expect(collect).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx', outcome: 'answered' } });
      await expect(talking.ended).resolves.toMatchObject({ by: 'pbx', outcome: 'answered', reason: null });
      expect(rig.pbx.health().ready).toBe(false);
      expect(rig.pbx.liveChannels).toBe(0);
      const whileDown = await rig.pbx.originate(req(SILENT), { timeoutMs: 1000 });
      expect(whileDown).toMatchObject({ ok: false, end: { outcome: 'failed', by: 'pbx' } });

      // Well past the back-off cap, several attempts refused.
      await until(() => /attempt ([89]|\d\d)/.test(rig.pbx.health().detail), 'eight failed reconnect attempts', 20_000);
      expect(rig.pbx.health().detail).toMatch(/reconnecting to esl:\/\/127\.0\.0\.1:\d+ \(attempt \d+: .*connection refused/);

      await rig.fake.start();
      await until(() => rig.pbx.health().ready, 'reconnected');
      const call = await answer(rig, PRESSES);
      // Digits arrive as events: the new connection is subscribed and filtered for the new call.
      const got = await call.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 10, firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 5000, totalTimeoutMs: 30_000 });
      expect(got).toEqual({ ok: true, digits: '1234', endedBy: 'terminator' });
      await call.hangup();
      expect(rig.fake.server.commandLog.filter((c) => c.startsWith('event json') && c.includes('DTMF'))).toHaveLength(2);
    });
  });

  describe('a socket cut in the middle of a call', () => {
    let rig: EslRig;
    beforeAll(async () => {
      rig = await startRig();
    });
    afterAll(() => rig.close());

    it('ends the call as lost by the PBX, then kills the orphaned channel once reconnected', async () => {
      const call = await answer(rig);
      const playing = call.play(long, { timeoutMs: 60_000 });
      await until(() => rig.fake.channels.get(call.id)?.current === 'playback', 'playback running');
      rig.fake.cutConnections();
      await expect(playing).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx' } });
      expect((await call.ended).cause.text).toMatch(/control connection lost/);
      // FreeSWITCH keeps channels when an event socket drops; the driver kills it on reconnect.
      expect(rig.fake.channels.has(call.id)).toBe(true);
      await until(() => rig.pbx.health().ready, 'reconnected');
      await until(() => !rig.fake.channels.has(call.id), 'orphaned channel killed');
      const next = await answer(rig);
      await expect(next.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
      await next.hangup();
    });
  });

  describe('commands that never get a reply', () => {
    let rig: EslRig;
    beforeEach(async () => {
      rig = await startRig({ settings: { commandTimeoutMs: 400 } });
    });
    afterEach(() => rig.close());

    it('gives up an execute at the command deadline and recovers on a new link', async () => {
      const call = await answer(rig);
      rig.fake.setHang((line) => line.startsWith('sendmsg'));
      const played = await call.play([{ prompt: 'digit-1' }], { timeoutMs: 60_000 });
      expect(played).toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx' } });
      rig.fake.setHang(undefined);
      await until(() => rig.pbx.health().ready, 'reconnected');
      await until(() => !rig.fake.channels.has(call.id), 'abandoned channel killed');
      const next = await answer(rig);
      await expect(next.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
      await next.hangup();
    });

    it('resolves an originate whose bgapi is never acknowledged', async () => {
      rig.fake.setHang((line) => line.startsWith('bgapi'));
      const result = await rig.pbx.originate(req(SILENT), { timeoutMs: 60_000 });
      expect(result).toMatchObject({ ok: false, end: { outcome: 'failed', by: 'pbx' } });
      rig.fake.setHang(undefined);
      await until(() => rig.pbx.health().ready, 'reconnected');
    });

    it('hangs up locally even when uuid_kill is never answered', async () => {
      const call = await answer(rig);
      rig.fake.setHang((line) => line.startsWith('api uuid_kill'));
      await call.hangup();
      await expect(call.ended).resolves.toMatchObject({ by: 'local', outcome: 'answered' });
      rig.fake.setHang(undefined);
      await until(() => rig.pbx.health().ready, 'reconnected');
      await until(() => !rig.fake.channels.has(call.id), 'channel killed after reconnect');
    });

    it('gives up an originate at its deadline and kills the channel that answers late', async () => {
      const result = await rig.pbx.originate(req('+12025550110'), { timeoutMs: 300 });
      expect(result).toMatchObject({ ok: false, end: { outcome: 'failed', by: 'local' } });
      await until(() => rig.fake.channels.size === 0, 'ringing channel torn down');
      expect(rig.pbx.health().ready).toBe(true);
    });

    it('drops a link whose keepalive probe goes unanswered', async () => {
      await rig.close();
      rig = await startRig({ settings: { commandTimeoutMs: 300, keepaliveMs: 1000 } });
      rig.fake.setHang((line) => line === 'api status');
      await until(() => !rig.pbx.health().ready, 'link dropped by the keepalive');
      rig.fake.setHang(undefined);
      await until(() => rig.pbx.health().ready, 'reconnected');
    });
  });

  describe('hygiene', () => {
    let rig: EslRig;
    beforeAll(async () => {
      rig = await startRig();
    });
    afterAll(() => rig.close());

    it('filters on its id prefix only and never nests applications', async () => {
      const call = await answer(rig);
      const aborter = new AbortController();
      const playing = call.play(long, { timeoutMs: 60_000, signal: aborter.signal });
      setTimeout(() => aborter.abort(), 100);
      await expect(playing).resolves.toEqual({ ok: false, reason: 'aborted' });
      await expect(call.play(long, { timeoutMs: 150 })).resolves.toEqual({ ok: false, reason: 'timeout' });
      await expect(call.collectDigits({ prompt: long, maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000, totalTimeoutMs: 200 })).resolves.toEqual({
        ok: true,
        digits: '',
        endedBy: 'timeout',
      });
      await expect(call.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
      await call.hangup();
      for (const to of ['+12025550103', '+12025550105']) await rig.pbx.originate(req(to), { timeoutMs: 10_000 });
      await until(() => rig.pbx.liveChannels === 0, 'channels forgotten');
      expect(rig.fake.stats.nestedExecutions).toBe(0);
      // Three permanent filters, whatever the number of calls; no per-call filter churn: our id
      // prefix twice, and the mark of calls to missed-call DIDs (issue 17).
      const [filters] = rig.fake.server.filters();
      expect(filters).toEqual([
        ['Unique-ID', expect.stringMatching(/^\/\^[0-9a-f]{8}-\/$/)],
        ['Job-UUID', expect.stringMatching(/^\/\^[0-9a-f]{8}-\/$/)],
        ['variable_pbxverify_inbound', 'true'],
      ]);
      expect(call.id.startsWith(filters?.[0]?.[1].slice(2, -1) ?? '?')).toBe(true);
      expect(rig.fake.server.commandLog.filter((c) => c.startsWith('filter'))).toHaveLength(3);
    });

    it('takes no event it does not act on: an answered call brings one of each it needs, and no CHANNEL_EXECUTE', async () => {
      // Every event of a SIP channel is 6-9 KB of JSON (all its variables), and parsing them is
      // most of the driver's CPU per call (docs/benchmarks.md). CHANNEL_ANSWER is taken for the
      // wake-up at answer, which FreeSWITCH answers with no event at all.
      rig.fake.server.delivered.clear();
      const call = await answer(rig);
      await call.hangup();
      await until(() => rig.pbx.liveChannels === 0, 'channel forgotten');
      for (const name of ['CHANNEL_ANSWER', 'CHANNEL_PARK', 'CHANNEL_HANGUP', 'BACKGROUND_JOB']) expect(rig.fake.server.delivered.get(name)).toBe(1);
      for (const name of ['CHANNEL_EXECUTE', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY']) expect(rig.fake.server.delivered.has(name)).toBe(false);
    });

    it('keeps the esl client off the console', async () => {
      const spies = (['log', 'info', 'debug', 'error', 'warn'] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
      try {
        const call = await answer(rig);
        await call.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 });
        await call.hangup();
        await rig.pbx.originate(req('+12025550103'), { timeoutMs: 10_000 });
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });
  });
});

describe('a sound pack missing on the FreeSWITCH host', () => {
  let rig: EslRig;
  beforeAll(async () => {
    rig = await startRig({ fake: { missingFiles: (path) => path.includes('/pbxverify/de/') }, settings: { languages: ['en', 'de'] } });
  });
  afterAll(() => rig.close());

  it('says so in the health detail while staying ready', () => {
    expect(rig.pbx.health()).toEqual({ ready: true, detail: expect.stringMatching(/connected to esl:.*; sound packs missing on FreeSWITCH: de$/) as string });
  });

  it('ends a call whose prompt cannot be played instead of pretending it was heard', async () => {
    const result = await rig.pbx.originate(req(SILENT, { lang: 'de' }), { timeoutMs: 10_000 });
    if (!result.ok) throw new Error(result.end.outcome);
    await expect(result.call.play([{ prompt: 'your-code-is' }], { timeoutMs: 10_000 })).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx', cause: { text: 'playback: FILE NOT FOUND' } } });
    const again = await rig.pbx.originate(req(SILENT, { lang: 'de' }), { timeoutMs: 10_000 });
    if (!again.ok) throw new Error(again.end.outcome);
    await expect(again.call.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 4, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000, totalTimeoutMs: 10_000 })).resolves.toMatchObject({
      ok: false,
      reason: 'ended',
      end: { by: 'pbx' },
    });
  });
});

describe('an event socket that accepts and never speaks', () => {
  it('fails start-up at the connect deadline and lets the socket go', async () => {
    // allowHalfOpen: like a frozen process, the server never closes its side by itself.
    const accepted: Socket[] = [];
    let closed = 0;
    const mute = createServer({ allowHalfOpen: true }, (socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => closed++);
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as AddressInfo).port;
    const pbx = new FreeSwitchPbx({ target: parseEslUrl(`esl://:x@127.0.0.1:${port}`), settings: { ...TEST_SETTINGS, connectTimeoutMs: 300 }, logger: testLogger(), clock: systemClock });
    try {
      await expect(pbx.start()).rejects.toThrow(new RegExp(`esl://127.0.0.1:${port}: no event socket answered within 300 ms`));
      // The esl client's end() only half-closes: its socket would still take data and wait for a
      // FIN forever. A destroyed one answers with a reset, which closes ours.
      const poke = setInterval(() => accepted.forEach((s) => s.writable && s.write('x')), 50);
      try {
        await until(() => closed === 1, 'the driver dropped its socket', 3000);
      } finally {
        clearInterval(poke);
      }
    } finally {
      accepted.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });
});

describe('logs at trace level', () => {
  it('never carry the numbers dialled or the texts sent, even from the esl client', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const fake = new FakeFreeSwitch({ timeScale: 0.25, heartbeatMs: 0 });
    await fake.start();
    const pbx = new FreeSwitchPbx({ target: parseEslUrl(fake.url()), settings: { ...TEST_SETTINGS, commandTimeoutMs: 300 }, logger, clock: systemClock });
    await pbx.start();
    try {
      await pbx.originate(req('+12025550103'), { timeoutMs: 10_000 });
      const answered = await pbx.originate(req(PRESSES), { timeoutMs: 10_000 });
      if (answered.ok) {
        await answered.call.collectDigits({ maxDigits: 4, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 5000, totalTimeoutMs: 10_000 });
        await answered.call.hangup();
      }
      await pbx.sendMessage({ to: '+12025550102', from: 'pbxverify', body: 'Your code is 918273', tag: 't' }, { timeoutMs: 5000 });
      // A command that fails makes the esl client log it (async_log) with the whole command line.
      fake.setHang((line) => line.startsWith('bgapi'));
      await pbx.originate(req('+12025550102'), { timeoutMs: 10_000 });
      fake.setHang(undefined);
      await until(() => pbx.health().ready, 'reconnected');
    } finally {
      await pbx.stop();
      await fake.stop();
    }
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(text).toContain('async_log');
    expect(text).not.toMatch(/2025550|918273|1234/);
  });
});
