/**
 * The operator console in a real headless Chromium (Debian's package via playwright-core),
 * against a real engine (dist/, simulator PBX, SQLite history). Screenshots go to
 * os.tmpdir()/pbxverify-console-shots; axe-core checks every page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems, launchBrowser, shot, signIn } from '../support/console-browser';
import { ConsoleClient, CONSOLE_API_KEY, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const PAGES = ['live', 'verifications', 'dashboard', 'qa', 'prompts', 'trunks', 'do-not-call', 'keys'];

describe('operator console in Chromium (e2e)', () => {
  let c: ConsoleEngine;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const apiPost = (path: string, body: unknown) =>
    fetch(`${c.url}${path}`, { method: 'POST', headers: { authorization: basic(CONSOLE_API_KEY.id, CONSOLE_API_KEY.secret), 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    // numbers kept in full in the history, so that masking for viewers shows
    c = await startConsoleEngine({ history: { writerPollMs: 50, numbers: 'full' } });
    browser = await launchBrowser();
    const admin = new ConsoleClient(c.url);
    await admin.login(c.admin.username, c.admin.password);
    await admin.request('POST', '/console/api/operators', { username: 'vic', role: 'viewer', password: 'viewer-password-123' });
    await admin.request('POST', '/console/api/operators', { username: 'locky', role: 'operator', password: 'locky-password-123' });
    await admin.request('POST', '/console/api/v1/admin/do-not-call', { numbers: ['+12025550177'] });
    // some history for the search and the dashboard
    const made = await apiPost('/v1/verifications', { to: '+12025550100', channel: 'sms' });
    expect(made.status).toBe(201);
    context = await browser.newContext();
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('refuses a wrong password next to the field, then locks the account', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, c.url, 'locky', 'wrong-password-1');
    await p.waitForSelector('#password-error:has-text("CONSOLE_LOGIN_INVALID")');
    await shot(p, 'login-wrong-password');
    for (let i = 0; i < 2; i++) {
      await p.fill('#password', `wrong-password-${i + 2}`);
      await p.click('button[type=submit]');
      await p.waitForResponse((r) => r.url().endsWith('/console/api/login'));
    }
    await p.fill('#password', 'locky-password-123');
    await p.click('button[type=submit]');
    await p.waitForSelector('#password-error:has-text("CONSOLE_LOGIN_LOCKED")');
    expect(await axeProblems(p)).toEqual([]);
    await ctx.close();
  }, 30_000);

  it('signs in and renders every page with real data, accessible, with screenshots', async () => {
    await signIn(page, c.url, c.admin.username, c.admin.password);
    await page.waitForSelector('nav[aria-label=Pages]');
    const headings: string[] = [];
    for (const path of PAGES) {
      await page.click(`nav a[href="/console/${path}"]`);
      await page.waitForSelector(`nav a[aria-current=page][href="/console/${path}"]`);
      if (path === 'verifications') {
        await page.click('button:has-text("Search")');
        await page.waitForSelector('table caption:has-text("Verifications")', { timeout: 10_000 });
        await page.click('td button:has-text("Timeline")');
        await page.waitForSelector('.timeline h3:has-text("Attempt 1")', { timeout: 10_000 });
      }
      if (path === 'dashboard') await page.waitForSelector('table caption:has-text("Conversion by day")', { timeout: 10_000 });
      if (path === 'prompts') await page.waitForSelector('table caption:has-text("Prompts of")');
      if (path === 'trunks') await page.waitForSelector('td:has-text("default")');
      if (path === 'do-not-call') await page.waitForSelector('td:has-text("+12025550177")');
      if (path === 'keys') await page.waitForSelector(`td code:has-text("${CONSOLE_API_KEY.id}")`);
      headings.push((await page.textContent('main h1')) ?? '');
      await shot(page, `page-${path}`);
      expect([path, await axeProblems(page)]).toEqual([path, []]);
    }
    expect(headings).toEqual(['Live', 'Verifications', 'Dashboard', 'QA tester', 'Prompts', 'Trunks and routes', 'Do-not-call', 'API keys']);
  }, 90_000);

  it("shows a live call's events on the Live page within 2 s", async () => {
    await page.click('nav a[href="/console/live"]');
    await page.waitForSelector('.status:has-text("open")');
    const res = await apiPost('/v1/verifications', { to: '+12025550101', channel: 'call' });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    await page.waitForSelector(`.log li[data-type="verification.started"]:has-text("${id.slice(0, 8)}")`, { timeout: 2000 });
    await page.waitForSelector(`.log li[data-type="attempt.answered"]:has-text("${id.slice(0, 8)}")`, { timeout: 15_000 });
    await shot(page, 'live-call');
  }, 30_000);

  it('starts a QA test call, hears it, and checks its code from the browser', async () => {
    await page.click('nav a[href="/console/qa"]');
    await page.fill('#qa-to', '+12025550100');
    await page.selectOption('#qa-kind', 'call');
    await page.click('button:has-text("Start test")');
    await page.waitForSelector('.log li[data-type="attempt.playing"]', { timeout: 15_000 });
    const spoken = await page.waitForSelector('.spoken', { timeout: 20_000 });
    const code = (await spoken.textContent()) ?? '';
    expect(code).toMatch(/^[0-9]{4,10}$/);
    const audio = await page.getAttribute('.timeline audio', 'src');
    const wav = await page.evaluate(async (src) => (await fetch(src ?? '')).headers.get('content-type'), audio);
    expect(wav).toBe('audio/wav');
    await page.fill('#qa-code', code);
    await page.click('button:has-text("Check")');
    await page.waitForSelector('.result:has-text("approved")');
    await shot(page, 'qa-checked');
  }, 40_000);

  it('creates a key whose secret is shown once, and revokes it', async () => {
    await page.click('nav a[href="/console/keys"]');
    await page.fill('#key-id', 'browser-made');
    await page.fill('#key-name', 'Made in the browser');
    await page.click('button:has-text("Create key")');
    const secret = (await (await page.waitForSelector('.secret-value')).textContent()) ?? '';
    await shot(page, 'key-created');
    expect((await fetch(`${c.url}/v1/workflows`, { headers: { authorization: basic('browser-made', secret) } })).status).toBe(200);
    await page.click('button:has-text("I have copied it")');
    expect(await page.content()).not.toContain(secret);
    await page.click('button:has-text("Revoke browser-made")');
    await page.waitForSelector('tr:has(code:has-text("browser-made")) td:has-text("revoked")');
    expect((await fetch(`${c.url}/v1/workflows`, { headers: { authorization: basic('browser-made', secret) } })).status).toBe(401);
  }, 30_000);

  it('refuses a change without the CSRF token from the page', async () => {
    const result = await page.evaluate(async () => {
      const res = await fetch('/console/api/v1/admin/do-not-call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ numbers: ['+12025550123'] }) });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect([result.status, result.body.error.code]).toEqual([403, 'CONSOLE_CSRF_INVALID']);
  });

  it('gives a viewer masked numbers and no change pages, and refuses its changes', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, c.url, 'vic', 'viewer-password-123');
    await p.waitForSelector('nav[aria-label=Pages]');
    const nav = await p.$$eval('nav a', (links) => links.map((a) => a.textContent));
    expect(nav).toEqual(['Live', 'Verifications', 'Dashboard', 'Prompts', 'Trunks and routes']);
    await p.click('nav a[href="/console/verifications"]');
    await p.fill('#number', '+12025550100');
    await p.click('button:has-text("Search")');
    await p.waitForSelector('td:has-text("+12025****00")', { timeout: 10_000 });
    await shot(p, 'viewer-verifications');
    const refused = await p.evaluate(async () => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrf: string };
      const res = await fetch('/console/api/v1/verifications', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, body: JSON.stringify({ to: '+12025550100', channel: 'call' }) });
      return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
    });
    expect(refused).toEqual({ status: 403, code: 'CONSOLE_ROLE_REQUIRED' });
    expect(await axeProblems(p)).toEqual([]);
    await ctx.close();
  }, 30_000);
});
