import { startEngine, type EngineProcess } from '../support/engine-process';

/**
 * Who may read /metrics (issue 11, item 6), against the real server: a bearer token on the API
 * port, and a listener of its own (which the API port then stops serving).
 */
describe('metrics access (e2e)', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  const KEYS = { PBXVERIFY_API_KEYS: 'shop:shop-secret-0123456789abcdef' };
  const scrape = (url: string, token?: string) => fetch(`${url}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  describe('with metrics.token', () => {
    let engine: EngineProcess;
    beforeAll(async () => {
      engine = await startEngine({ ...KEYS, PBXVERIFY_METRICS_TOKEN: TOKEN });
    });
    afterAll(async () => {
      await engine.stop();
    });

    it('answers /metrics on the API port only with the bearer token', async () => {
      const none = await scrape(engine.url);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AUTH_MISSING');
      expect((await scrape(engine.url, 'wrong-token-0123456789abcdef')).status).toBe(401);
      // an API key is not a metrics token
      expect((await fetch(`${engine.url}/metrics`, { headers: { authorization: engine.auth('shop', 'shop-secret-0123456789abcdef') } })).status).toBe(401);
      const ok = await scrape(engine.url, TOKEN);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('pbxverify_pbx_ready 1');
    });

    it('never prints the token in the log', () => {
      expect(engine.lines.join('\n')).not.toContain(TOKEN);
    });
  });

  describe('with a metrics listener of its own', () => {
    let engine: EngineProcess;
    let metricsUrl: string;
    beforeAll(async () => {
      engine = await startEngine({ ...KEYS, PBXVERIFY_METRICS_PORT: '0', PBXVERIFY_METRICS_HOST: '127.0.0.1', PBXVERIFY_METRICS_TOKEN: TOKEN });
      const line = engine.lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; port?: number; host?: string }) : {})).find((e) => e.msg === 'metrics listening');
      expect(line?.host).toBe('127.0.0.1');
      metricsUrl = `http://127.0.0.1:${line?.port}`;
    });
    afterAll(async () => {
      await engine.stop();
    });

    it('serves /metrics there (with its token) and nothing else', async () => {
      expect((await scrape(metricsUrl)).status).toBe(401);
      expect((await scrape(metricsUrl)).headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const ok = await scrape(metricsUrl, TOKEN);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ok.text()).toContain('pbxverify_http_request_duration_seconds');
      expect((await fetch(`${metricsUrl}/v1/workflows`)).status).toBe(404);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
    });

    it('no longer serves /metrics on the API port', async () => {
      expect((await scrape(engine.url, TOKEN)).status).toBe(404);
      expect((await fetch(`${engine.url}/healthz`)).status).toBe(200);
    });
  });
});
