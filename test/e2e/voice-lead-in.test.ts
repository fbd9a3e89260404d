import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../support/api-client';
import { startEngine, type EngineProcess } from '../support/engine-process';

/**
 * The lead-in (silence between answer and the first prompt) chosen per key and per request,
 * through the real engine and the simulator, whose call log lists every item played.
 */
const PLAIN = { id: 'plainkey', secret: 'plain-key-secret-0123456789' };
const SHORT = { id: 'shortkey', secret: 'short-key-secret-0123456789', leadInMs: 200 };

interface SimEvent {
  type: string;
  item?: { prompt?: string; silenceMs?: number };
}

describe('the lead-in of a voice call', () => {
  let engine: EngineProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-lead-in-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        secret: 'lead-in-test-engine-secret-0123456789abcd',
        apiKeys: [PLAIN, SHORT],
        scheduler: { pollMs: 20 },
        simulator: { speed: 40 },
      }),
    );
    engine = await startEngine({ PBXVERIFY_CONFIG: config });
  }, 30_000);

  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The items the simulated callee heard before the first prompt, and that prompt. */
  async function opening(key: { id: string; secret: string }, to: string, body: Record<string, unknown> = {}): Promise<Array<{ prompt?: string; silenceMs?: number }>> {
    const api = new ApiClient(engine.url, engine.auth(key.id, key.secret));
    const started = await api.post('/v1/verifications', { to, channel: 'call', lang: 'en', ...body });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    await eventually(async () => {
      const res = await api.get<{ attempts?: Array<{ status: string }> }>(`/v1/verifications/${id}`);
      return res.body.attempts?.[0]?.status === 'completed' ? true : undefined;
    }, 'the call attempt to complete');
    const calls = (await api.get<{ calls: Array<{ events: SimEvent[] }> }>(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;
    const items = (calls[calls.length - 1]?.events ?? []).flatMap((e) => (e.type === 'play' && e.item ? [e.item] : []));
    const first = items.findIndex((i) => i.prompt !== undefined);
    return items.slice(0, first + 1);
  }

  it("waits the engine's default of 500 ms when neither key nor request chooses", async () => {
    expect(await opening(PLAIN, '+12025550100')).toEqual([{ silenceMs: 500 }, { prompt: 'your-code-is' }]);
  });

  it("waits the key's leadInMs, and a request's lead_in_ms over it, 0 meaning none", async () => {
    expect(await opening(SHORT, '+12025550151', {})).toEqual([{ silenceMs: 200 }, { prompt: 'your-code-is' }]);
    expect(await opening(SHORT, '+12025550153', { lead_in_ms: 0 })).toEqual([{ prompt: 'your-code-is' }]);
    expect(await opening(PLAIN, '+12025550154', { lead_in_ms: 1500 })).toEqual([{ silenceMs: 1500 }, { prompt: 'your-code-is' }]);
  });

  it.each([[30], [2020], [-20], [12.5], ['500']])('refuses lead_in_ms %p with a 400 naming the field', async (leadIn) => {
    const api = new ApiClient(engine.url, engine.auth(PLAIN.id, PLAIN.secret));
    const res = await api.post('/v1/verifications', { to: '+12025550155', channel: 'call', lead_in_ms: leadIn });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST_INVALID');
    expect(JSON.stringify(res.body)).toContain('lead_in_ms');
  });
});
