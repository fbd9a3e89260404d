/**
 * The console's admin pages in a real headless Chromium against a real engine (dist/, simulator
 * PBX standing in for the two trunks of docs/routing.md, SQLite history): a trunk limit and a
 * route order edited and applied (seen through GET /v1/trunks and where the next call goes), a
 * server-side error next to its field, viewer and CSRF refusals, the audit row, an operator added
 * who signs in, webhook deliveries in the timeline; axe-core on each new page, screenshots.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems, launchBrowser, shot, signIn } from '../support/console-browser';
import { ADMIN_KEY, ConsoleClient, CONSOLE_API_KEY, startConsoleEngine, type ConsoleEngine } from '../support/console-engine';
import { docsExample } from '../support/routing-example';
import { WebhookReceiver } from '../support/webhook-receiver';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('operator console admin pages in Chromium (e2e)', () => {
  let c: ConsoleEngine;
  let receiver: WebhookReceiver;
  let hookUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const api = async (key: { id: string; secret: string }, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${c.url}${path}`, { method, headers: { authorization: basic(key.id, key.secret), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return (await res.json()) as any;
  };
  const trunk = async (name: string) => ((await api(ADMIN_KEY, 'GET', '/v1/trunks')).trunks as any[]).find((t) => t.name === name);

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    hookUrl = await receiver.start();
    c = await startConsoleEngine({ ...docsExample(), webhooks: { pollMs: 50, allowNetworks: ['127.0.0.0/8'] }, history: { writerPollMs: 50, numbers: 'full' } });
    const admin = new ConsoleClient(c.url);
    await admin.login(c.admin.username, c.admin.password);
    await admin.request('POST', '/console/api/operators', { username: 'vic', role: 'viewer', password: 'viewer-password-123' });
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
    await signIn(page, c.url, c.admin.username, c.admin.password);
    await page.waitForSelector('nav[aria-label=Pages]');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await receiver?.stop();
  });

  it('edits a trunk limit and a route order; both apply at once (trunks API, the next call)', async () => {
    await page.click('nav a[href="/console/trunks"]');
    await page.waitForSelector('form[aria-label="Edit trunk carrier-a"]');
    await page.fill('[id="trunk-carrier-a-maxConcurrent"]', '5');
    await page.click('form[aria-label="Edit trunk carrier-a"] button[type=submit]');
    await page.waitForSelector('[role=status]:has-text("Trunk carrier-a saved and applied")');
    expect(await trunk('carrier-a')).toMatchObject({ max_concurrent: 5 });
    await page.waitForSelector('tr:has(td:text-is("carrier-a")) td:text-is("5")', { timeout: 10_000 });

    const route = 'form[aria-label="Edit route routes.0"]';
    await page.click(`${route} button:has-text("Down carrier-a")`);
    await page.click(`${route} button[type=submit]`);
    await page.waitForSelector('[role=status]:has-text("Route routes.0 saved and applied")');
    await page.waitForSelector('td:has-text("carrier-b → carrier-a")');
    const made = await api(CONSOLE_API_KEY, 'POST', '/v1/verifications', { to: '+442079460123', channel: 'call' });
    let placedOn: string | undefined;
    for (let i = 0; i < 100 && !placedOn; i++) {
      placedOn = (await api(CONSOLE_API_KEY, 'GET', `/v1/verifications/${made.id}`)).attempts?.[0]?.trunk;
      if (!placedOn) await new Promise((r) => setTimeout(r, 100));
    }
    expect(placedOn).toBe('carrier-b');
    await shot(page, 'trunks-edited');
    expect(await axeProblems(page)).toEqual([]);
  }, 60_000);

  it("shows the server's refusal next to the field and changes nothing", async () => {
    await page.fill('[id="trunk-carrier-b-callerIds"]', '12345');
    await page.click('form[aria-label="Edit trunk carrier-b"] button[type=submit]');
    await page.waitForSelector('[id="trunk-carrier-b-callerIds-error"]:has-text("REQUEST_INVALID")');
    expect(await page.getAttribute('[id="trunk-carrier-b-callerIds"]', 'aria-invalid')).toBe('true');
    await shot(page, 'trunks-field-error');
    expect(await trunk('carrier-b')).toMatchObject({ caller_ids: ['+12025550181'] });
  }, 30_000);

  it('refuses an edit without the CSRF token, and a viewer gets a read-only page and a refusal', async () => {
    const forged = await page.evaluate(async () => {
      const res = await fetch('/console/api/v1/admin/routing/trunks/carrier-a', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged' }, body: JSON.stringify({ cps: 1 }) });
      return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
    });
    expect(forged).toEqual({ status: 403, code: 'CONSOLE_CSRF_INVALID' });
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, c.url, 'vic', 'viewer-password-123');
    await p.click('nav a[href="/console/trunks"]');
    await p.waitForSelector('td:text-is("carrier-a")');
    expect(await p.$('form[aria-label="Edit trunk carrier-a"]')).toBeNull();
    expect(await p.$$eval('nav a', (links) => links.map((a) => a.textContent))).not.toContain('Operators');
    const refused = await p.evaluate(async () => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrf: string };
      const res = await fetch('/console/api/v1/admin/routing/trunks/carrier-a', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, body: JSON.stringify({ cps: 1 }) });
      return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
    });
    expect(refused).toEqual({ status: 403, code: 'CONSOLE_ROLE_REQUIRED' });
    await shot(p, 'trunks-viewer');
    await ctx.close();
    expect(await trunk('carrier-a')).toMatchObject({ cps: null });
  }, 30_000);

  it('shows the edit in the audit log, filtered on the server', async () => {
    await page.click('nav a[href="/console/audit"]');
    await page.waitForSelector('table caption:has-text("Audit log")');
    await page.fill('#audit-action', 'PUT');
    await page.click('button:has-text("Filter")');
    await page.waitForSelector('tr:has(td:text-is("PUT /v1/admin/routing/trunks/:name")):has(td:text-is("carrier-a")):has(td:text-is("root"))');
    expect(await page.$$eval('tbody tr td:nth-child(3)', (cells) => cells.every((td) => (td.textContent ?? '').startsWith('PUT')))).toBe(true);
    await shot(page, 'page-audit');
    expect(await axeProblems(page)).toEqual([]);
  }, 30_000);

  it('adds an operator whose password is shown once, and who then signs in', async () => {
    await page.click('nav a[href="/console/operators"]');
    await page.waitForSelector('table caption:has-text("Operators")');
    await page.fill('#username', 'newop');
    await page.selectOption('#role', 'operator');
    await page.click('button:has-text("Add operator")');
    const password = (await (await page.waitForSelector('.secret-value')).textContent()) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    await page.waitForSelector('tr:has(td:text-is("newop"))');
    await shot(page, 'page-operators');
    expect(await axeProblems(page)).toEqual([]);
    await page.click('button:has-text("Done")');
    expect(await page.content()).not.toContain(password);
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signIn(p, c.url, 'newop', password);
    await p.waitForSelector('.who:has-text("newop (operator)")');
    await ctx.close();
  }, 30_000);

  it("shows a verification's webhook deliveries in its timeline", async () => {
    const made = await api(CONSOLE_API_KEY, 'POST', '/v1/verifications', { to: '+12025550100', channel: 'sms', callback_url: hookUrl });
    expect(made.id).toMatch(/^[0-9a-f]{32}$/);
    const admin = new ConsoleClient(c.url);
    await admin.login(c.admin.username, c.admin.password);
    // the history writes the delivery a moment after the receiver got it
    for (let i = 0; i < 100 && !(await admin.request('GET', `/console/api/verification/${made.id}`)).body.webhooks?.length; i++) await new Promise((r) => setTimeout(r, 100));
    await page.click('nav a[href="/console/verifications"]');
    await page.fill('#vid', made.id);
    // a search by id opens that verification's timeline
    await page.click('button:has-text("Search")');
    await page.waitForSelector('.webhooks', { timeout: 10_000 });
    const host = new URL(hookUrl).host;
    await page.waitForSelector(`.webhooks tr:has(td:text-is("${host}")):has(td:text-is("204")):has(td span:text-is("delivered"))`, { timeout: 10_000 });
    await shot(page, 'timeline-webhooks');
    // the delivery the receiver got is the one shown
    expect(receiver.forVerification(made.id).length).toBeGreaterThan(0);
    expect(await axeProblems(page)).toEqual([]);
  }, 30_000);
});
