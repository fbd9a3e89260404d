/**
 * Time to an interactive console in the real browser (Debian's chromium through playwright-core),
 * on localhost: navigation start → the login form usable (in the page's own clock,
 * `performance.now()` at the moment the field is there), and sign-in click → the Live page showing
 * live data (the first event in its log; the engine meanwhile starts an SMS verification every
 * 100 ms). Each round in a new browser context (cold: nothing cached), then once more in the same
 * context (warm: hashed assets cached). Target (issue 16): first page interactive < 1 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT, startEngineProcess } from './lib/processes';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const KEY = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };
const PASSWORD = 'bench-console-password-0123';

async function loginInteractive(page: Page, url: string): Promise<number> {
  await page.goto(`${url}/console/`, { waitUntil: 'commit' });
  await page.waitForSelector('#username:not([disabled])');
  return page.evaluate(() => performance.now());
}

async function liveWithData(page: Page): Promise<number> {
  await page.fill('#username', 'bench');
  await page.fill('#password', PASSWORD);
  const start = Date.now();
  await page.click('button[type=submit]');
  await page.waitForSelector('.log li', { timeout: 30_000 });
  return Date.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-bench-console-ui-'));
  const env = {
    PBXVERIFY_API_KEYS: `${KEY.id}:${KEY.secret}`,
    PBXVERIFY_SECRET: 'bench-engine-secret-0123456789abcdef0123',
    PBXVERIFY_ABUSE_CONTROLS: 'off',
    PBXVERIFY_HISTORY: `sqlite:${join(dir, 'history.db')}`,
    PBXVERIFY_LOG_LEVEL: 'warn',
  };
  const added = spawnSync(process.execPath, [join(ROOT, 'dist/cli/index.js'), 'operator', 'add', 'bench', '--role', 'admin', '--password-stdin'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, input: `${PASSWORD}\n` });
  if (added.status !== 0) throw new Error(`operator add failed: ${String(added.stderr)}`);
  const engine = await startEngineProcess(env);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const auth = `Basic ${Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64')}`;
  let failed = 0;
  const traffic = setInterval(() => {
    const to = `+49151${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    void fetch(`${engine.url}/v1/verifications`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ to, channel: 'sms' }) })
      .then((res) => {
        if (res.status !== 201 && !failed) process.stderr.write(`a start answered ${(failed = res.status)}\n`);
      })
      .catch(() => undefined);
  }, 100);
  const cold: number[] = [];
  const warm: number[] = [];
  const live: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      cold.push(await loginInteractive(page, engine.url));
      live.push(await liveWithData(page));
      const again = await context.newPage();
      await context.clearCookies();
      warm.push(await loginInteractive(again, engine.url));
      await context.close();
    }
    process.stdout.write(`\nconsole in chromium on localhost (${ROUNDS} rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
    process.stdout.write(`navigation start → login form interactive, cold cache: ${fmt(cold)}\n`);
    process.stdout.write(`navigation start → login form interactive, warm cache: ${fmt(warm)}\n`);
    process.stdout.write(`sign-in click → Live page with its first live event: ${fmt(live)}\n`);
    process.stdout.write(`target: first page interactive < 1000 ms\n`);
  } finally {
    clearInterval(traffic);
    await browser.close();
    await engine.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
