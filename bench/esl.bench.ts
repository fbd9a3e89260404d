/**
 * ESL driver throughput beside a bare `esl` script, against the same wire-level fake FreeSWITCH,
 * in the same run: calls per second for originate (answered at once) → play_and_get_digits with
 * a prompt, the callee typing 1234# when asked (barge-in) → hang up. The fake runs in a child
 * process so its CPU is billed to neither client. Prints wall-clock calls/s, calls per CPU-second
 * of the client process (steadier on a shared machine) and the ratios driver/bare (goal ≥ 0.9).
 *
 *   npx tsx bench/esl.bench.ts [calls=600] [concurrency=50] [rounds=3]
 *
 * The bare script is what a careful minimal client does with `esl` alone: one connection,
 * `event json`, bgapi originate, command_uuid play_and_get_digits with a timeout, api uuid_kill.
 * The driver on top checks every input, keeps its own events filtered (two regex filters set once
 * per connection), awaits each application, tracks the call's end and waits for the hang-up.
 */
import { randomUUID } from 'node:crypto';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import pino from 'pino';
import { systemClock } from '../src/lib/clock';
import { FreeSwitchPbx } from '../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch } from '../test/fakes/esl/fake-freeswitch';
import { forkFake, medianOf, runCalls, type CallRun } from './lib/calls';

const CALLS = Number(process.argv[2] ?? 600);
const CONCURRENCY = Number(process.argv[3] ?? 50);
const ROUNDS = Number(process.argv[4] ?? 3);
const TO = '+12025550199'; // the fake's bench callee: answers at once, types 1234# when asked
const SOUNDS = '/usr/share/freeswitch/sounds';
const PASSWORD = 'bench-pass';

async function serveFake(): Promise<void> {
  const fake = new FakeFreeSwitch({ password: PASSWORD, timeScale: 1, promptMs: () => 400, heartbeatMs: 0 });
  await fake.start();
  process.send?.({ port: fake.port });
}

async function driverRun(port: number, calls: number): Promise<CallRun> {
  const pbx = new FreeSwitchPbx({
    target: parseEslUrl(`esl://:${PASSWORD}@127.0.0.1:${port}`),
    settings: { dialString: 'sofia/gateway/{trunk}/{number}', defaultTrunk: 'pbxverify', soundsDir: SOUNDS, commandTimeoutMs: 10_000, connectTimeoutMs: 5000, reconnectMaxDelayMs: 1000, keepaliveMs: 60_000 },
    logger: pino({ level: 'silent' }),
    clock: systemClock,
  });
  await pbx.start();
  try {
    return await runCalls(calls, CONCURRENCY, async () => {
      const dialled = await pbx.originate({ to: TO, lang: 'en', ringTimeoutMs: 10_000, tag: 'bench' }, { timeoutMs: 20_000 });
      if (!dialled.ok) return false;
      const got = await dialled.call.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 10, firstDigitTimeoutMs: 5000, interDigitTimeoutMs: 3000, totalTimeoutMs: 20_000 });
      await dialled.call.hangup();
      return got.ok && got.digits === '1234';
    });
  } finally {
    await pbx.stop();
  }
}

async function bareRun(port: number, calls: number): Promise<CallRun> {
  const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
  const client = new FreeSwitchClient({ host: '127.0.0.1', port, password: PASSWORD, logger: quiet });
  const res = await new Promise<FreeSwitchResponse>((resolve) => {
    client.on('connect', resolve);
    client.connect();
  });
  await res.event_json('CHANNEL_ANSWER', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'DTMF', 'BACKGROUND_JOB');
  try {
    return await runCalls(calls, CONCURRENCY, async () => {
      const uuid = randomUUID();
      const job = await res.bgapi(`originate {origination_uuid=${uuid},originate_timeout=10}sofia/gateway/pbxverify/${TO} &park()`, 20_000);
      if (!String(job.body._body).startsWith('+OK')) return false;
      const done = await res.command_uuid(uuid, 'play_and_get_digits', `1 10 1 5000 # ${SOUNDS}/pbxverify/en/enter-code.wav silence_stream://10 digits .+ 3000`, 20_000);
      await res.api(`uuid_kill ${uuid}`, 10_000);
      return done.body.variable_digits === '1234';
    });
  } finally {
    client.end();
  }
}

async function main(): Promise<void> {
  const { child, port } = await forkFake(__filename);
  try {
    // Warm-up (JIT, sockets) for both.
    await driverRun(port, 100);
    await bareRun(port, 100);
    const driver: CallRun[] = [];
    const bare: CallRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await bareRun(port, CALLS));
      driver.push(await driverRun(port, CALLS));
    }
    const median = medianOf;
    const list = (runs: CallRun[]): string => runs.map((r) => r.cps.toFixed(0)).join(', ');
    const failures = [...driver, ...bare].reduce((n, r) => n + r.failed, 0);
    console.log(`esl bench: ${CALLS} calls x ${ROUNDS} rounds, ${CONCURRENCY} concurrent; originate → collect 1234# (barge-in) → hang up; fake FreeSWITCH in a child process`);
    console.log(`  bare esl script : ${median(bare, 'cps').toFixed(0)} calls/s (rounds ${list(bare)}), ${median(bare, 'perCpuSecond').toFixed(0)} calls per CPU-second`);
    console.log(`  freeswitch-esl  : ${median(driver, 'cps').toFixed(0)} calls/s (rounds ${list(driver)}), ${median(driver, 'perCpuSecond').toFixed(0)} calls per CPU-second`);
    console.log(
      `  ratio driver/bare: wall ${(median(driver, 'cps') / median(bare, 'cps')).toFixed(2)}, CPU ${(median(driver, 'perCpuSecond') / median(bare, 'perCpuSecond')).toFixed(2)} (goal >= 0.9)${failures ? `; ${failures} calls failed` : ''}`,
    );
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--fake')) void serveFake();
else
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
