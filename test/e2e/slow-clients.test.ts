import { connect } from 'node:net';
import { startCompatFixture, SHOP, type CompatFixture } from '../support/compat-fixture';

/**
 * Slow and oversized clients (issue 11, item 4) against the real server with short deadlines:
 * a client that sends one byte a second, in its headers or in its body, is closed before
 * `LIMIT_MS` (the configured deadline plus generous slack: no speed is asserted beyond that),
 * including on unauthenticated compat endpoints; bodies above a route's limit get 413.
 */
const LIMIT_MS = 8_000;

describe('slow and oversized clients (e2e)', () => {
  let f: CompatFixture;

  beforeAll(async () => {
    f = await startCompatFixture({
      config: { http: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, connectionTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, timeoutCheckIntervalMs: 200 } },
    });
  });
  afterAll(async () => {
    await f.stop();
  });

  /**
   * Opens a raw TCP connection, writes `head` at once, then one byte of `drip` a second (over and
   * over). Resolves with how long the server kept the connection and what it answered, or with
   * `closed: false` if it was still open after LIMIT_MS (the test then fails).
   */
  function slowClient(head: string, drip: string): Promise<{ closed: boolean; answer: string }> {
    return new Promise((resolve) => {
      const socket = connect(f.engine.port, '127.0.0.1');
      let answer = '';
      let i = 0;
      const ticker = setInterval(() => {
        if (drip !== '' && !socket.destroyed) socket.write(drip[i++ % drip.length] as string);
      }, 1_000);
      const giveUp = setTimeout(() => finish(false), LIMIT_MS);
      function finish(closed: boolean): void {
        clearInterval(ticker);
        clearTimeout(giveUp);
        socket.destroy();
        resolve({ closed, answer });
      }
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('close', () => finish(true));
      socket.on('error', () => undefined);
      socket.write(head);
    });
  }

  it('closes a client that sends its headers one byte a second, on an unauthenticated compat endpoint', async () => {
    const res = await slowClient(`GET /compat/calledin/api/reverse_verify/?api_key=${SHOP} HTTP/1.1\r\nHost: localhost\r\n`, 'X-Slow: aaaaaaaaaaaaaaaaaaaa');
    expect(res.closed).toBe(true);
  });

  it('closes a client that sends a form body one byte a second, on an unauthenticated compat endpoint', async () => {
    const head = 'POST /compat/99digital/verify-sms/send HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n';
    const res = await slowClient(head, 'apiKey=x&to=0501234567&');
    expect(res.closed).toBe(true);
    expect(res.answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a client that sends a JSON start one byte a second, and one that sends nothing', async () => {
    const head = `POST /v1/verifications HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${f.engine.auth('shop', 'shop-secret-0123456789abcdef')}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    expect((await slowClient(head, '{"to": "+12025550100"')).closed).toBe(true);
    expect((await slowClient('', '')).closed).toBe(true);
  });

  it('still serves ordinary requests', async () => {
    expect((await f.api.get('/v1/workflows')).status).toBe(200);
  });

  it('refuses bodies above the route limit with 413 REQUEST_TOO_LARGE: starts, checks and compat forms', async () => {
    const start = await f.api.post('/v1/verifications', { to: '+12025550100', channel: 'sms', message_template: `{code} ${'x'.repeat(20_000)}` });
    expect(start).toMatchObject({ status: 413, body: { error: { code: 'REQUEST_TOO_LARGE' } } });
    const check = await f.api.post('/v1/verifications/check', { to: '+12025550100', code: '1'.repeat(4_000) });
    expect(check).toMatchObject({ status: 413, body: { error: { code: 'REQUEST_TOO_LARGE' } } });
    const before = await f.refusals('REQUEST_TOO_LARGE');
    const form = new URLSearchParams({ api_key: 'x', api_secret: 'y', number: '447700900000', brand: 'Acme', padding: 'p'.repeat(20_000) });
    await f.http('POST', '/compat/vonage/verify/json', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await f.refusals('REQUEST_TOO_LARGE')).toBe(before + 1);
  });
});
