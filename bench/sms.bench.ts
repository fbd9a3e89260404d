/**
 * SMS gateways. (1) submit_sm per second through the SMPP adapter (window 10, one bind) against
 * the test SMSC running in its own process, beside a bare `smpp` client keeping the same window
 * over the same messages, alternately in the same run (target ≥ 0.9×). (2) Engine time from a
 * delivery receipt (the SMSC writing deliver_sm) to the attempt's webhook in the outbox, p50/p99
 * over verifications in an in-process engine (target p99 < 10 ms), receipts
 * arriving at a steady pace once every verification waits for one.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import pino from 'pino';
import { configSchema } from '../src/config/schema';
import { createEngine } from '../src/main';
import { planSms } from '../src/sms/segment';
import { SmppGateway } from '../src/sms/smpp/smpp-gateway';
import { connectSession, sendCommand } from '../src/sms/smpp/smpp-lib';
import { TestSmsc } from '../test/support/test-smsc';

const MESSAGES = Number(process.env.BENCH_SMS_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_SMS_ROUNDS ?? 3);
const WINDOW = 10;
const RECEIPTS = Number(process.env.BENCH_SMS_RECEIPTS ?? 2_000);
const TEXT = '482913 is your Acme code';
/** Pace of the receipts: one every 2 ms (500/s). */
const RECEIPT_GAP_MS = Number(process.env.BENCH_SMS_RECEIPT_GAP_MS ?? 2);

async function startSmscProcess(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'lib/smsc-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { port, stop: () => child.kill('SIGTERM') };
}

/** A bare smpp client: bind, then keep WINDOW submit_sm outstanding until MESSAGES are answered. */
async function bare(port: number): Promise<number> {
  const session = connectSession('127.0.0.1', port);
  await new Promise<void>((resolve) => session.on('connect', () => sendCommand(session, 'bind_transceiver', { system_id: 'bare', password: 'pw' }, () => resolve())));
  const plan = planSms(TEXT, { concat: 'udh8', ref: 0 });
  const fields = { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'Acme', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001', registered_delivery: 0, data_coding: 0, esm_class: 0, short_message: plan.parts[0]?.payload };
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let answered = 0;
    const next = (): void => {
      if (sent >= MESSAGES) return;
      sent++;
      sendCommand(session, 'submit_sm', { ...fields }, () => {
        answered++;
        if (answered === MESSAGES) resolve();
        else next();
      });
    };
    for (let i = 0; i < WINDOW; i++) next();
  });
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  session.destroy();
  return rate;
}

/** The same messages through the adapter: MESSAGES submits with WINDOW in flight. */
async function adapter(port: number): Promise<number> {
  const gateway = new SmppGateway(
    { name: 'bench', host: '127.0.0.1', port, systemId: 'bench', password: 'pw', systemType: '', bindMode: 'transceiver', binds: 1, window: WINDOW, maxPerSecond: 0, enquireLinkMs: 30_000, reconnectMinMs: 100, reconnectMaxMs: 1000, responseTimeoutMs: 10_000, throttleDelayMs: 100, concat: 'udh8', ids: { submit: 'hex', receipt: 'hex' } },
    pino({ level: 'silent' }),
  );
  await gateway.start();
  while (!gateway.health().ready) await new Promise((r) => setTimeout(r, 5));
  const plan = planSms(TEXT, { concat: 'udh8', ref: 0 });
  const signal = new AbortController().signal;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < MESSAGES) {
        next++;
        const result = await gateway.submit({ to: '+447700900001', from: 'Acme', senderKind: 'alphanumeric', text: TEXT, plan, receipt: false, tag: 'b' }, { signal, timeoutMs: 30_000 });
        if (!result.ok) throw new Error(`submit failed: ${result.reason}`);
      }
    }),
  );
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await gateway.stop();
  return rate;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Receipt → outbox: an in-process engine with an SMPP gateway to an in-process test SMSC. */
async function receiptToWebhook(): Promise<{ p50: number; p90: number; p99: number; n: number }> {
  const smsc = new TestSmsc();
  const smscPort = await smsc.start();
  // receipts are held until every verification waits for one, then come at a steady pace
  smsc.script.holdReceipts = true;
  const sentAt = new Map<string, number>();
  smsc.onReceiptSent = (destination) => sentAt.set(destination, performance.now());
  const hooks = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  const hookPort = (hooks.address() as { port: number }).port;
  const config = configSchema.parse({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    secret: 'bench-engine-secret-0123456789abcdef0123',
    apiKeys: [{ id: 'bench', secret: 'bench-secret-0123456789abcdef', webhookUrl: `http://127.0.0.1:${hookPort}/hook` }],
    abuse: { enabled: false },
    webhooks: { allowNetworks: ['127.0.0.0/8'] },
    sms: { gateway: 'smsc', receiptTimeoutSeconds: 600 },
    smsGateways: [{ name: 'smsc', kind: 'smpp', host: '127.0.0.1', port: smscPort, systemId: 'bench', password: 'pw' }],
  });
  const engine = await createEngine(config);
  const latencies: number[] = [];
  const store = engine.store;
  const enqueue = store.enqueueWebhook.bind(store);
  store.enqueueWebhook = async (delivery) => {
    if (delivery.type === 'attempt.completed') {
      const to = (JSON.parse(delivery.body) as { data: { verification: { to: string } } }).data.verification.to.slice(1);
      const t0 = sentAt.get(to);
      await enqueue(delivery);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      return;
    }
    return enqueue(delivery);
  };
  await engine.start();
  const key = engine.keys.list().find((k) => k.id === 'bench');
  if (!key) throw new Error('no key');
  let n = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (n < RECEIPTS) {
        const i = n++;
        await engine.service.start(key, { to: `+49151${String(i).padStart(8, "0")}`, channel: 'sms' });
      }
    }),
  );
  while (smsc.accepted.length < RECEIPTS) await new Promise((r) => setTimeout(r, 20));
  await smsc.releaseHeld(RECEIPT_GAP_MS);
  const end = Date.now() + 60_000;
  while (latencies.length < RECEIPTS && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await engine.stop();
  await smsc.stop();
  hooks.close();
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), n: latencies.length };
}

async function main(): Promise<void> {
  const smsc = await startSmscProcess();
  const bares: number[] = [];
  const adapters: number[] = [];
  try {
    await bare(smsc.port); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      bares.push(await bare(smsc.port));
      adapters.push(await adapter(smsc.port));
    }
  } finally {
    smsc.stop();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ratio = median(adapters) / median(bares);
  process.stdout.write(`\nsubmit_sm/s, window ${WINDOW}, ${MESSAGES} messages per run, ${ROUNDS} rounds alternating, SMSC in its own process\n`);
  process.stdout.write(`bare smpp client   ${bares.map((r) => r.toFixed(0)).join(' / ')}  median ${median(bares).toFixed(0)}\n`);
  process.stdout.write(`SmppGateway        ${adapters.map((r) => r.toFixed(0)).join(' / ')}  median ${median(adapters).toFixed(0)}\n`);
  process.stdout.write(`ratio ${ratio.toFixed(2)}×   target ≥ 0.9×  ${ratio >= 0.9 ? 'met' : 'NOT MET'}\n`);
  const dlr = await receiptToWebhook();
  process.stdout.write(`\nreceipt (deliver_sm written) → attempt.completed in the outbox: ${dlr.n} receipts, p50 ${dlr.p50.toFixed(2)} ms, p90 ${dlr.p90.toFixed(2)} ms, p99 ${dlr.p99.toFixed(2)} ms   target p99 < 10 ms  ${dlr.p99 < 10 ? 'met' : 'NOT MET'}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
