/**
 * ESL driver throughput against the wire-level fake, beside a bare `esl` script placing the same
 * calls in the same run: originate (answered at once) → one short prompt → hang up, CONCURRENCY
 * calls at a time. Prints calls/s of each and the ratio driver / bare.
 *
 *   npx tsx bench/esl.bench.ts            (BENCH_CALLS=600 BENCH_CONCURRENCY=20 BENCH_ROUNDS=3)
 *
 * The bare script is what a careful minimal client does with `esl` alone (one connection,
 * `event json`, bgapi originate, command_uuid playback with a timeout, api uuid_kill); the
 * driver also adds and removes a filter per call and per job (its events must stay its own on a
 * shared FreeSWITCH), checks every input, and waits for the hang-up to be confirmed.
 */
import { randomUUID } from 'node:crypto';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import pino from 'pino';
import { systemClock } from '../src/lib/clock';
import { FreeSwitchPbx } from '../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../src/pbx/freeswitch-esl/url';
import { FakeFreeSwitch } from '../test/fakes/esl/fake-freeswitch';

const CALLS = Number(process.env.BENCH_CALLS ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TO = '+12025550102'; // answers at once, silent
const SOUNDS = '/usr/share/freeswitch/sounds';

async function pool(total: number, concurrency: number, one: () => Promise<void>): Promise<number> {
  let started = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        await one();
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function driverRun(fake: FakeFreeSwitch, calls: number): Promise<number> {
  const pbx = new FreeSwitchPbx({
    target: parseEslUrl(fake.url()),
    settings: { dialString: 'sofia/gateway/{trunk}/{number}', defaultTrunk: 'pbxverify', soundsDir: SOUNDS, commandTimeoutMs: 10_000, connectTimeoutMs: 5000, reconnectMaxDelayMs: 1000, keepaliveMs: 60_000 },
    logger: pino({ level: 'silent' }),
    clock: systemClock,
  });
  await pbx.start();
  try {
    return await pool(calls, CONCURRENCY, async () => {
      const dialled = await pbx.originate({ to: TO, lang: 'en', ringTimeoutMs: 10_000, tag: 'bench' }, { timeoutMs: 20_000 });
      if (!dialled.ok) throw new Error(`driver: ${dialled.end.outcome}`);
      const played = await dialled.call.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 });
      if (!played.ok) throw new Error(`driver: play ${played.reason}`);
      await dialled.call.hangup();
    });
  } finally {
    await pbx.stop();
  }
}

async function bareRun(fake: FakeFreeSwitch, calls: number): Promise<number> {
  const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
  const client = new FreeSwitchClient({ host: '127.0.0.1', port: fake.port, password: fake.password, logger: quiet });
  const res = await new Promise<FreeSwitchResponse>((resolve) => {
    client.on('connect', resolve);
    client.connect();
  });
  await res.event_json('CHANNEL_ANSWER', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'DTMF', 'BACKGROUND_JOB');
  try {
    return await pool(calls, CONCURRENCY, async () => {
      const uuid = randomUUID();
      const job = await res.bgapi(`originate {origination_uuid=${uuid},originate_timeout=10}sofia/gateway/pbxverify/${TO} &park()`, 20_000);
      if (!String(job.body._body).startsWith('+OK')) throw new Error(`bare: ${String(job.body._body)}`);
      await res.command_uuid(uuid, 'playback', `${SOUNDS}/pbxverify/en/digit-1.wav`, 10_000);
      await res.api(`uuid_kill ${uuid}`, 10_000);
    });
  } finally {
    client.end();
  }
}

async function main(): Promise<void> {
  const fake = new FakeFreeSwitch({ timeScale: 1, promptMs: () => 5, heartbeatMs: 0 });
  await fake.start();
  // Warm-up (JIT, sockets) for both.
  await driverRun(fake, 60);
  await bareRun(fake, 60);
  const driver: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await bareRun(fake, CALLS));
    driver.push(await driverRun(fake, CALLS));
  }
  await fake.stop();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const d = median(driver);
  const b = median(bare);
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  process.stdout.write(`esl bench: ${CALLS} calls x ${ROUNDS} rounds, ${CONCURRENCY} concurrent, fake FreeSWITCH on 127.0.0.1\n`);
  process.stdout.write(`  bare esl script : ${b.toFixed(0)} calls/s (median of ${fmt(bare)})\n`);
  process.stdout.write(`  freeswitch-esl  : ${d.toFixed(0)} calls/s (median of ${fmt(driver)})\n`);
  process.stdout.write(`  ratio driver/bare: ${(d / b).toFixed(2)} (goal >= 0.9)\n`);
  process.stdout.write(`  nested executions on the fake: ${fake.stats.nestedExecutions}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
