import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx, type DialerOptions } from '../../src/pbx/dialer/dialer-pbx';
import type { Call, OriginateRequest, OriginateResult } from '../../src/pbx/port';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PromptCatalog } from '../../src/prompts/catalog';
import { eventually } from '../support/api-client';
import { FreezablePbx } from '../support/freezable-node';

const catalog = new PromptCatalog(join(__dirname, '../../sounds'));
const logger = pino({ level: 'silent' });
const ANSWER = '+12025550100';
const BUSY = '+12025550103';

function simulator(speed = 20): SimulatorPbx {
  return new SimulatorPbx({ clock: systemClock, logger, speed, durationMs: (lang, id) => catalog.durationMs(lang, id) });
}

function request(to: string, extra: Partial<OriginateRequest> = {}): OriginateRequest {
  return { to, lang: 'en', ringTimeoutMs: 20_000, tag: 'dialer-test', ...extra };
}

describe('dialer', () => {
  const dialers: DialerPbx[] = [];
  const calls: Call[] = [];

  async function dialer(nodes: DialerOptions['nodes'], overrides: Partial<DialerOptions> = {}): Promise<DialerPbx> {
    const d = new DialerPbx({
      nodes,
      clock: systemClock,
      logger,
      defaultLimits: { cps: 100, maxConcurrent: 100 },
      queueMaxLength: 100,
      queueTimeoutMs: 10_000,
      healthCheckMs: 50,
      downAfterChecks: 2,
      ...overrides,
    });
    await d.start();
    dialers.push(d);
    return d;
  }

  function answered(result: OriginateResult): Call {
    if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome} (${result.end.cause.text ?? ''})`);
    calls.push(result.call);
    return result.call;
  }

  afterEach(async () => {
    await Promise.all(calls.splice(0).map((c) => c.hangup()));
    await Promise.all(dialers.splice(0).map((d) => d.stop()));
  });

  it('spreads calls over the nodes that are up', async () => {
    const sims = [simulator(), simulator()];
    const d = await dialer(sims.map((pbx, i) => ({ name: `sim-${i}`, pbx })));
    const results = await Promise.all([1, 2, 3, 4].map(() => d.originate(request(ANSWER), { timeoutMs: 10_000 })));
    results.forEach(answered);
    expect(sims.map((s) => s.callLogs().length)).toEqual([2, 2]);
  });

  it('keeps a trunk within its concurrent-call limit and places the next call when one ends', async () => {
    const sim = simulator();
    const d = await dialer([{ name: 'sim', pbx: sim }], { trunks: { carrier: { cps: 100, maxConcurrent: 2 } } });
    const first = await Promise.all([1, 2].map(() => d.originate(request(ANSWER, { trunk: 'carrier' }), { timeoutMs: 10_000 })));
    const [a] = first.map(answered);
    const third = d.originate(request(ANSWER, { trunk: 'carrier' }), { timeoutMs: 10_000 });
    // Another trunk is not held up by this one's limit.
    answered(await d.originate(request(ANSWER, { trunk: 'other' }), { timeoutMs: 10_000 }));
    expect(sim.callLogs().length).toBe(3);
    expect(d.health().detail).toMatch(/1 waiting/);
    await (a as Call).hangup();
    answered(await third);
    expect(sim.callLogs().length).toBe(4);
  });

  it('never starts more calls in any second than the trunk allows', async () => {
    const sim = simulator(50);
    const d = await dialer([{ name: 'sim', pbx: sim }], { defaultLimits: { cps: 2, maxConcurrent: 100 } });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => d.originate(request(BUSY), { timeoutMs: 20_000 })));
    expect(results.map((r) => !r.ok && r.end.outcome)).toEqual(Array(6).fill('busy'));
    const starts = sim.callLogs().map((c) => c.startedAt).sort((x, y) => x - y);
    expect(starts).toHaveLength(6);
    // Any three consecutive starts span at least one second (2 per second); a few ms of slack
    // for the two clocks involved (the dialer counts on the monotonic clock).
    for (let i = 2; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 2] as number)).toBeGreaterThanOrEqual(990);
  });

  it('fails a call at once with "dialer queue full" when too many wait', async () => {
    const d = await dialer([{ name: 'sim', pbx: simulator() }], { defaultLimits: { cps: 100, maxConcurrent: 1 }, queueMaxLength: 1 });
    answered(await d.originate(request(ANSWER), { timeoutMs: 10_000 }));
    const waiting = d.originate(request(ANSWER), { timeoutMs: 10_000 });
    const refused = await d.originate(request(ANSWER), { timeoutMs: 10_000 });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.end).toMatchObject({ outcome: 'failed', by: 'local', reason: 0, cause: { text: 'dialer queue full' } });
    }
    await calls[0]?.hangup();
    answered(await waiting);
  });

  it('fails a call with "dialer queue timeout" when no slot frees in time', async () => {
    const d = await dialer([{ name: 'sim', pbx: simulator() }], { defaultLimits: { cps: 100, maxConcurrent: 1 }, queueTimeoutMs: 300 });
    answered(await d.originate(request(ANSWER), { timeoutMs: 10_000 }));
    const late = await d.originate(request(ANSWER), { timeoutMs: 10_000 });
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.end).toMatchObject({ outcome: 'failed', cause: { text: 'dialer queue timeout' } });
  });

  it('resolves canceled when a queued call is aborted', async () => {
    const d = await dialer([{ name: 'sim', pbx: simulator() }], { defaultLimits: { cps: 100, maxConcurrent: 1 } });
    answered(await d.originate(request(ANSWER), { timeoutMs: 10_000 }));
    const controller = new AbortController();
    const queued = d.originate(request(ANSWER), { timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    const result = await queued;
    expect(!result.ok && result.end.outcome).toBe('canceled');
  });

  it('ends the calls of a node that stops answering and places new calls on the other node', async () => {
    const nodes = [new FreezablePbx(simulator(5)), new FreezablePbx(simulator(5))];
    const d = await dialer(nodes.map((pbx, i) => ({ name: `sim-${i}`, pbx })));
    const call = answered(await d.originate(request(ANSWER), { timeoutMs: 10_000 }));
    const victim = nodes.findIndex((n) => (n.inner as SimulatorPbx).callLogs().length === 1);
    const survivor = nodes[1 - victim] as FreezablePbx;
    const long = Array.from({ length: 30 }, () => ({ prompt: 'your-code-is' }));
    const playing = call.play(long, { timeoutMs: 60_000 });
    (nodes[victim] as FreezablePbx).freeze();

    const played = await playing;
    expect(played).toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx', outcome: 'answered', cause: { text: `pbx node sim-${victim} lost` } } });
    await expect(call.ended).resolves.toMatchObject({ by: 'pbx' });
    await expect(call.hangup()).resolves.toBeUndefined();
    expect(d.health().ready).toBe(true);

    answered(await d.originate(request(ANSWER), { timeoutMs: 10_000 }));
    expect((survivor.inner as SimulatorPbx).callLogs().length).toBe(1);
  });

  it('moves a dial to another node when its node is lost while ringing', async () => {
    const nodes = [new FreezablePbx(simulator(1)), new FreezablePbx(simulator(1))];
    const d = await dialer(nodes.map((pbx, i) => ({ name: `sim-${i}`, pbx })));
    // slow-answer rings 20 s at speed 1: long enough to lose the node while it rings.
    const caller = new AbortController();
    const dialing = d.originate(request('+12025550110'), { timeoutMs: 60_000, signal: caller.signal });
    const victim = await eventually(async () => {
      const i = nodes.findIndex((n) => (n.inner as SimulatorPbx).callLogs().length === 1);
      return i < 0 ? undefined : i;
    }, 'the first dial');
    (nodes[victim] as FreezablePbx).freeze();
    const survivor = nodes[1 - victim] as FreezablePbx;
    await eventually(async () => ((survivor.inner as SimulatorPbx).callLogs().length === 1 ? true : undefined), 'the dial on the other node');
    expect(d.health().detail).toMatch(/1\/2 nodes up/);
    // The caller gives up: the retried dial is torn down like any other.
    caller.abort();
    const result = await dialing;
    expect(!result.ok && result.end.outcome).toBe('canceled');
  });

  it('waits for a node to come back, and fails with a clear cause when none does in time', async () => {
    const node = new FreezablePbx(simulator());
    const d = await dialer([{ name: 'only', pbx: node }], { queueTimeoutMs: 500 });
    node.freeze();
    await eventually(async () => (d.health().ready ? undefined : true), 'the node to be taken out');
    const refused = await d.originate(request(ANSWER), { timeoutMs: 10_000 });
    expect(!refused.ok && refused.end.cause.text).toBe('dialer queue timeout (no PBX node up)');

    const waiting = d.originate(request(ANSWER), { timeoutMs: 10_000 });
    node.thaw();
    answered(await waiting);
  });

  it('sends a message through a node that is up', async () => {
    const nodes = [new FreezablePbx(simulator()), new FreezablePbx(simulator())];
    const d = await dialer(nodes.map((pbx, i) => ({ name: `sim-${i}`, pbx })));
    (nodes[0] as FreezablePbx).freeze();
    await eventually(async () => (/1\/2 nodes up/.test(d.health().detail) ? true : undefined), 'node 0 to be taken out');
    const sent = await d.sendMessage({ to: ANSWER, from: 'pbxverify', body: 'code 1234', tag: 't' }, { timeoutMs: 5_000 });
    expect(sent.ok).toBe(true);
    expect(((nodes[1] as FreezablePbx).inner as SimulatorPbx).messageLog()).toHaveLength(1);
  });

  it('refuses a destination that is not E.164 at its boundary', async () => {
    const d = await dialer([{ name: 'sim', pbx: simulator() }]);
    await expect(d.originate(request('12025550100'), { timeoutMs: 1_000 })).rejects.toThrow(/E\.164/);
    await expect(d.originate(request(ANSWER, { trunk: 'bad trunk;x' }), { timeoutMs: 1_000 })).rejects.toThrow(/trunk/);
  });
});
