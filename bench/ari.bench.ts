/**
 * ARI driver throughput vs a bare ari-client script, against the same wire-level fake ARI,
 * in the same run: calls per second for originate → answer → play prompt → collect 1234#
 * (barge-in) → hang up → ChannelDestroyed. The fake runs in a child process so its CPU is
 * not billed to either client. Prints both figures and driver/ari-client (goal ≥ 0.9).
 *
 *   npx tsx bench/ari.bench.ts [calls=600] [concurrency=20] [rounds=3]
 */
import { randomUUID } from 'node:crypto';
import ari from 'ari-client';
import pino from 'pino';
import { FakeAri } from '../test/fakes/ari/fake-ari';
import { makeDriver } from '../test/fakes/ari/harness';
import { forkFake, medianOf, runCalls, type CallRun } from './lib/calls';

const CALLS = Number(process.argv[2] ?? 600);
const CONCURRENCY = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);
const NUMBER = '+12025550100';
const EXTEN = 'bench-press'; // the fake's bench callee: 1234# 20 ms after answering, never hangs up
const USER = 'bench';
const PASS = 'bench-pass';

async function serveFake(): Promise<void> {
  const fake = new FakeAri({ user: USER, password: PASS, timeScale: 1, promptMs: 400 });
  await fake.start();
  process.send?.({ port: fake.port });
}


async function runDriver(port: number): Promise<CallRun> {
  const pbx = makeDriver(`ari://${USER}:${PASS}@127.0.0.1:${port}/bench`, { endpointTemplate: `Local/${EXTEN}@qa`, restTimeoutMs: 10_000 }, pino({ level: 'silent' }));
  await pbx.start();
  const one = async (): Promise<boolean> => {
    const dialed = await pbx.originate({ to: NUMBER, lang: 'en', ringTimeoutMs: 30_000, tag: 'bench' }, { timeoutMs: 30_000 });
    if (!dialed.ok) return false;
    const got = await dialed.call.collectDigits({
      prompt: [{ prompt: 'enter-code' }],
      maxDigits: 10,
      terminator: '#',
      firstDigitTimeoutMs: 5000,
      interDigitTimeoutMs: 5000,
      totalTimeoutMs: 10_000,
    });
    await dialed.call.hangup();
    return got.ok && got.digits === '1234';
  };
  await runCalls(50, CONCURRENCY, one); // warm-up
  const measured = await runCalls(CALLS, CONCURRENCY, one);
  await pbx.stop();
  return measured;
}

/** The same call flow written directly against ari-client, as its README suggests, with one listener per event type. */
async function runAriClient(port: number): Promise<CallRun> {
  const client = await ari.connect(`http://127.0.0.1:${port}`, USER, PASS);
  const app = `bench-bare-${randomUUID().slice(0, 8)}`;
  type Waiter = { digits: string[]; playback?: ari.Playback; stopped: boolean; done: (ok: boolean) => void };
  const calls = new Map<string, Waiter>();
  client.on('StasisStart', (_ev, channel) => {
    const w = calls.get(channel.id);
    if (!w) return;
    const playback = client.Playback();
    w.playback = playback;
    channel.play({ media: 'sound:pbxverify/en/enter-code' }, playback).catch(() => undefined);
  });
  client.on('ChannelDtmfReceived', (ev, channel) => {
    const w = calls.get(channel.id);
    if (!w) return;
    if (!w.stopped && w.playback) {
      w.stopped = true;
      w.playback.stop().catch(() => undefined); // DTMF does not stop an ARI playback by itself
    }
    if (ev.digit === '#') channel.hangup().catch(() => undefined);
    else w.digits.push(ev.digit);
  });
  client.on('ChannelDestroyed', (_ev, channel) => {
    const w = calls.get(channel.id);
    if (!w) return;
    calls.delete(channel.id);
    w.done(w.digits.join('') === '1234');
  });
  await client.start(app);
  const one = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const channel = client.Channel();
      calls.set(channel.id, { digits: [], stopped: false, done: resolve });
      channel.originate({ endpoint: `Local/${EXTEN}@qa`, app, appArgs: 'out', timeout: 30 }).catch(() => {
        calls.delete(channel.id);
        resolve(false);
      });
    });
  await runCalls(50, CONCURRENCY, one);
  const measured = await runCalls(CALLS, CONCURRENCY, one);
  client.stop();
  return measured;
}

async function main(): Promise<void> {
  const { child, port } = await forkFake(__filename);
  const driver: CallRun[] = [];
  const bare: CallRun[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // alternate who goes first, so a burst of load from elsewhere does not favour one side
      const first = round % 2 === 1 ? 'driver' : 'ari-client';
      const a = first === 'driver' ? await runDriver(port) : await runAriClient(port);
      const b = first === 'driver' ? await runAriClient(port) : await runDriver(port);
      const [d, c] = first === 'driver' ? [a, b] : [b, a];
      driver.push(d);
      bare.push(c);
      console.log(
        `round ${round}: driver ${d.cps.toFixed(0)} calls/s, ${d.perCpuSecond.toFixed(0)} per CPU-s (${d.failed} failed); ` +
          `ari-client ${c.cps.toFixed(0)} calls/s, ${c.perCpuSecond.toFixed(0)} per CPU-s (${c.failed} failed)`,
      );
    }
  } finally {
    child.kill();
  }
  const m = medianOf;
  const failures = [...driver, ...bare].reduce((sum, r) => sum + r.failed, 0);
  console.log(`ari bench: ${CALLS} calls x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, fake ARI in a child process`);
  console.log(`  driver     ${m(driver, 'cps').toFixed(0)} calls/s wall, ${m(driver, 'perCpuSecond').toFixed(0)} calls per CPU-second (medians)`);
  console.log(`  ari-client ${m(bare, 'cps').toFixed(0)} calls/s wall, ${m(bare, 'perCpuSecond').toFixed(0)} calls per CPU-second (medians)`);
  console.log(`  ratio driver/ari-client: wall ${(m(driver, 'cps') / m(bare, 'cps')).toFixed(2)}, CPU ${(m(driver, 'perCpuSecond') / m(bare, 'perCpuSecond')).toFixed(2)} (goal >= 0.9)${failures ? `; ${failures} calls failed` : ''}`);
}

if (process.argv.includes('--fake')) void serveFake();
else
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
