/**
 * Memory per pending verification: 10,000 SMS verifications started through the service in one
 * engine (memory store, simulator), steps run, heap measured after a forced GC.
 * Run with --expose-gc (bench/run.ts does). Target: ≤ 2 KB per pending verification.
 */
import { loadConfig } from '../src/config/load';
import { createEngine } from '../src/main';
import pino from 'pino';

const COUNT = Number(process.env.BENCH_PENDING ?? 10_000);

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const { config } = loadConfig({
    env: { PBXVERIFY_PORT: '0', PBXVERIFY_HOST: '127.0.0.1', PBXVERIFY_API_KEYS: 'bench:bench-secret-0123456789abcdef', PBXVERIFY_SIMULATOR_SPEED: '1000', PBXVERIFY_SECRET: 'bench-engine-secret-0123456789abcdef0123', PBXVERIFY_ABUSE_CONTROLS: 'off' },
    cwd: process.cwd(),
  });
  const engine = await createEngine(config, { logger: pino({ level: 'silent' }) });
  await engine.start();
  const key = engine.keys.get('bench');
  if (!key) throw new Error('no key');
  // Warm up (JIT, first-use allocations), then measure.
  for (let i = 0; i < 500; i++) await engine.service.start(key, { to: `+49157${String(i).padStart(8, '0')}`, channel: 'sms' });
  await new Promise((r) => setTimeout(r, 500));
  const before = heapUsed();
  for (let i = 0; i < COUNT; i++) await engine.service.start(key, { to: `+49151${String(i).padStart(8, '0')}`, channel: 'sms' });
  // Let every SMS step run and be recorded.
  for (let i = 0; i < 100 && engine.service.runningAttempts() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const after = heapUsed();
  const sample = await engine.store.findByNumber('bench', '+4915100000000');
  const perPending = (after - before) / COUNT;
  process.stdout.write(`\nMemory per pending verification (${COUNT} pending, memory store, SMS step run and recorded)\n`);
  process.stdout.write(`heap before ${(before / 1048576).toFixed(1)} MiB, after ${(after / 1048576).toFixed(1)} MiB\n`);
  process.stdout.write(`per pending verification: ${(perPending / 1024).toFixed(2)} KiB   target ≤ 2 KiB   (sample status ${sample?.status}, ${sample?.attempts.length} attempt)\n`);
  await engine.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
