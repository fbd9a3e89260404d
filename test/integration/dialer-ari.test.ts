import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { DialerPbx } from '../../src/pbx/dialer/dialer-pbx';
import type { Call, OriginateRequest } from '../../src/pbx/port';
import { eventually } from '../support/api-client';
import { FakeAri } from '../fakes/ari/fake-ari';
import { ARI_NUMBERS, makeDriver } from '../fakes/ari/harness';

const req = (to: string): OriginateRequest => ({ to, lang: 'en', ringTimeoutMs: 20_000, tag: 'dialer-ari' });

/**
 * The dialer over two real ARI drivers, each on its own wire-level fake Asterisk: one Asterisk
 * goes away mid-call.
 */
describe('dialer over two Asterisk nodes (ARI driver on the fake ARI)', () => {
  const fakes = [new FakeAri({ timeScale: 0.25 }), new FakeAri({ timeScale: 0.25 })];
  let dialer: DialerPbx;
  const calls: Call[] = [];

  beforeAll(async () => {
    for (const fake of fakes) await fake.start();
    dialer = new DialerPbx({
      nodes: fakes.map((fake, i) => ({ name: `asterisk-${i + 1}`, pbx: makeDriver(fake.ariUrl(), { lostCallsAfterMs: 60_000 }) })),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      defaultLimits: { cps: 50, maxConcurrent: 20 },
      queueMaxLength: 20,
      queueTimeoutMs: 5_000,
      healthCheckMs: 50,
      downAfterChecks: 2,
    });
    await dialer.start();
  });
  afterAll(async () => {
    await Promise.all(calls.map((c) => c.hangup()));
    await dialer.stop();
    for (const fake of fakes) await fake.stop();
  });

  function nodeWithCall(): number {
    const parts = dialer.health().detail.split('; ');
    return [1, 2].findIndex((i) => parts.some((p) => p.startsWith(`asterisk-${i}: up `) && p.endsWith(', 1 calls')));
  }

  it('ends the call of an Asterisk that goes away, places the next call on the other, and takes it back when it returns', async () => {
    const first = await dialer.originate(req(ARI_NUMBERS.answer), { timeoutMs: 10_000 });
    if (!first.ok) throw new Error(`no answer: ${first.end.outcome}`);
    calls.push(first.call);
    const victim = nodeWithCall();
    expect(victim).toBeGreaterThanOrEqual(0);
    const long = Array.from({ length: 40 }, () => ({ prompt: 'your-code-is' }));
    const playing = first.call.play(long, { timeoutMs: 60_000 });

    await (fakes[victim] as FakeAri).down();
    const played = await playing;
    expect(played).toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx', cause: { text: `pbx node asterisk-${victim + 1} lost` } } });
    await expect(first.call.ended).resolves.toMatchObject({ by: 'pbx' });
    expect(dialer.health()).toMatchObject({ ready: true });
    expect(dialer.health().detail).toMatch(/1\/2 nodes up/);

    const second = await dialer.originate(req(ARI_NUMBERS.answer), { timeoutMs: 10_000 });
    if (!second.ok) throw new Error(`no answer: ${second.end.outcome}`);
    calls.push(second.call);
    expect(nodeWithCall()).toBe(1 - victim);
    await second.call.hangup();

    await (fakes[victim] as FakeAri).up();
    await eventually(async () => (/2\/2 nodes up/.test(dialer.health().detail) ? true : undefined), 'the node to come back');
  });
});
