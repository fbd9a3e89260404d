import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../support/api-client';
import { startEngine, type EngineProcess } from '../support/engine-process';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';

/**
 * The anti-voicemail gate through the real engine and the simulator: the service picks a random
 * digit, the call asks for it ("to hear your code, press N"), and the simulated callees react
 * to what they hear — +12025550100 presses the digit asked, +12025550109 presses another,
 * +12025550102 (voicemail-like) presses nothing.
 */
const KEY = { id: 'gatekey', secret: 'gate-key-secret-0123456789', webhookSecret: `whsec_${Buffer.from('gate-webhook-secret-bytes-0123').toString('base64')}` };

describe('voice verification with the anti-voicemail gate', () => {
  let engine: EngineProcess;
  let api: ApiClient;
  let dir: string;
  const hooks = new WebhookReceiver();

  beforeAll(async () => {
    const url = await hooks.start();
    hooks.useSecret(KEY.webhookSecret);
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-gate-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        secret: 'gate-test-engine-secret-0123456789abcdef',
        apiKeys: [{ ...KEY, webhookUrl: url, voiceGate: true }],
        webhooks: { allowNetworks: ['127.0.0.0/8'], pollMs: 20 },
        scheduler: { pollMs: 20 },
        simulator: { speed: 40 },
      }),
    );
    engine = await startEngine({ PBXVERIFY_CONFIG: config });
    api = new ApiClient(engine.url, engine.auth(KEY.id, KEY.secret));
  }, 30_000);

  afterAll(async () => {
    await engine?.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  interface AttemptView {
    status: string;
    result: string | null;
    outcome: string | null;
  }
  interface SimEvent {
    type: string;
    item?: { prompt?: string };
    digit?: string;
  }

  async function callWithGate(to: string): Promise<{ id: string; attempt: AttemptView; webhook: ReceivedWebhook; played: string[]; pressed: string[] }> {
    const started = await api.post('/v1/verifications', { to, channel: 'call', lang: 'de' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const attempt = await eventually(async () => {
      const res = await api.get<{ attempts?: AttemptView[] }>(`/v1/verifications/${id}`);
      const a = res.body.attempts?.[0];
      return a?.status === 'completed' ? a : undefined;
    }, 'the call attempt to complete');
    const webhook = await eventually(async () => hooks.forVerification(id).find((w) => w.type === 'attempt.completed'), 'the attempt.completed webhook');
    const calls = (await api.get<{ calls: Array<{ events: SimEvent[] }> }>(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;
    const events = calls[calls.length - 1]?.events ?? [];
    return {
      id,
      attempt,
      webhook,
      played: events.flatMap((e) => (e.type === 'play' && e.item?.prompt !== undefined ? [e.item.prompt] : [])),
      pressed: events.flatMap((e) => (e.type === 'dtmf' && e.digit !== undefined ? [e.digit] : [])),
    };
  }

  it('speaks the code after the callee presses the digit asked', async () => {
    const { attempt, webhook, played, pressed } = await callWithGate('+12025550100');
    const gate = played[0] as string;
    expect(gate).toMatch(/^gate-press-[0-9]$/);
    expect(pressed).toEqual([gate.slice(-1)]);
    expect(played.slice(1, 3)).toEqual(['your-code-is', expect.stringMatching(/^digit-/)]);
    expect(played).toContain('i-repeat');
    expect(played[played.length - 1]).toBe('goodbye');
    expect(attempt).toMatchObject({ channel: 'call', result: 'delivered', outcome: 'answered' });
    expect(webhook.verified).toBe(true);
    expect(webhook.body.data.attempt).toMatchObject({ result: 'delivered', outcome: 'answered' });
  });

  it('ends the call with gate-failed, never saying the code, when the callee presses another digit', async () => {
    const { attempt, webhook, played, pressed } = await callWithGate('+12025550109');
    const asked = (played[0] as string).slice(-1);
    expect(pressed).toHaveLength(1);
    expect(pressed[0]).not.toBe(asked);
    expect(played).toEqual([`gate-press-${asked}`, 'goodbye']);
    expect(attempt).toMatchObject({ channel: 'call', result: 'gate-failed', outcome: 'answered', reason_code: null, detail: 'wrong digit' });
    expect(webhook.verified).toBe(true);
    expect(webhook.body.data.attempt).toMatchObject({ result: 'gate-failed', outcome: 'answered', detail: 'wrong digit' });
    expect(webhook.body.data.verification.attempts[0].result).toBe('gate-failed');
  });

  it('ends the call with gate-failed, never saying the code, when nobody presses a key (voicemail)', async () => {
    const { id, attempt, webhook, played, pressed } = await callWithGate('+12025550102');
    expect(pressed).toEqual([]);
    expect(played).toEqual([expect.stringMatching(/^gate-press-[0-9]$/), 'goodbye']);
    expect(attempt).toMatchObject({ channel: 'call', result: 'gate-failed', outcome: 'answered', detail: 'no digit' });
    expect(webhook.body.data.attempt).toMatchObject({ result: 'gate-failed', outcome: 'answered', detail: 'no digit' });
    // Its only step never said the code: it fails at once (issue 11), and the number is free for a new request.
    expect((await api.get(`/v1/verifications/${id}`)).body).toMatchObject({ status: 'failed', failure_reason: 'gate-failed' });
  });
});
