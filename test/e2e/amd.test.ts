import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../support/api-client';
import { startEngine, type EngineProcess } from '../support/engine-process';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Answering-machine detection through the real engine and the simulator (docs/amd.md): the
 * simulator's +12025550120 is an answering machine (7 s greeting, then a beep), +12025550100 a
 * person who says a short "hello". `amd` comes from the key, the request or the workflow step.
 */
const KEY = { id: 'amdkey', secret: 'amd-key-secret-0123456789', webhookSecret: `whsec_${Buffer.from('amd-webhook-secret-bytes-01234').toString('base64')}` };
const MACHINE = '+12025550120';
const HUMAN = '+12025550100';

interface AmdView {
  mode: string;
  result: string;
  cause: string | null;
  beep: boolean | null;
  message_left: boolean;
}
interface AttemptView {
  n: number;
  channel: string;
  status: string;
  result: string | null;
  outcome: string | null;
  amd: AmdView | null;
}
interface SimEvent {
  type: string;
  item?: { prompt?: string };
  result?: string;
}

describe('answering-machine detection', () => {
  let engine: EngineProcess;
  let api: ApiClient;
  let dir: string;
  const hooks = new WebhookReceiver();

  beforeAll(async () => {
    const url = await hooks.start();
    hooks.useSecret(KEY.webhookSecret);
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-amd-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        secret: 'amd-test-engine-secret-0123456789abcdef',
        apiKeys: [{ ...KEY, webhookUrl: url, replaceActive: true }],
        webhooks: { allowNetworks: ['127.0.0.0/8'], pollMs: 20 },
        scheduler: { pollMs: 20 },
        simulator: { speed: 40 },
        workflows: {
          'amd-call-sms': [
            { channel: 'call', waitSeconds: 0, code: 'new', amd: 'hangup' },
            { channel: 'sms', waitSeconds: 1, code: 'same' },
          ],
        },
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

  async function settled(id: string, n = 1): Promise<{ verification: { status: string; amd: string; failure_reason: string | null; attempts: AttemptView[] }; attempt: AttemptView }> {
    return eventually(async () => {
      const res = await api.get<{ status: string; amd: string; failure_reason: string | null; attempts: AttemptView[] }>(`/v1/verifications/${id}`);
      const a = res.body.attempts.find((x) => x.n === n);
      return a?.status === 'completed' ? { verification: res.body, attempt: a } : undefined;
    }, `attempt ${n} to complete`);
  }

  async function heard(to: string): Promise<{ played: string[]; amd: string[] }> {
    const calls = (await api.get<{ calls: Array<{ events: SimEvent[] }> }>(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls;
    const events = calls[calls.length - 1]?.events ?? [];
    return {
      played: events.flatMap((e) => (e.type === 'play' && e.item?.prompt !== undefined ? [e.item.prompt] : [])),
      amd: events.flatMap((e) => (e.type === 'amd' && e.result !== undefined ? [e.result] : [])),
    };
  }

  it('with amd off (the default) reads the code to the machine as before, and runs no detection', async () => {
    const started = await api.post('/v1/verifications', { to: MACHINE, channel: 'call' });
    expect(started.status).toBe(201);
    expect(started.body.amd).toBe('off');
    const { attempt } = await settled(started.body.id);
    expect(attempt).toMatchObject({ result: 'delivered', outcome: 'answered', amd: null });
    const { played, amd } = await heard(MACHINE);
    expect(played).toContain('your-code-is');
    expect(amd).toEqual([]);
  });

  it('with amd hangup ends the attempt as `machine`, speaks nothing, and fails the one-step verification with reason machine', async () => {
    const started = await api.post('/v1/verifications', { to: MACHINE, channel: 'call', amd: 'hangup' });
    expect(started.status).toBe(201);
    expect(started.body.amd).toBe('hangup');
    const id = started.body.id as string;
    const { attempt } = await settled(id);
    expect(attempt).toMatchObject({ result: 'machine', outcome: 'answered', amd: { mode: 'hangup', result: 'machine', beep: null, message_left: false } });
    expect(attempt.amd?.cause).toMatch(/^LONGGREETING-/);
    const { played, amd } = await heard(MACHINE);
    expect(amd).toEqual(['machine']);
    expect(played).toEqual([]);
    const failed = await eventually(async () => {
      const res = await api.get<{ status: string; failure_reason: string | null }>(`/v1/verifications/${id}`);
      return res.body.status === 'failed' ? res.body : undefined;
    }, 'the verification to fail');
    expect(failed.failure_reason).toBe('machine');
    const hook = await eventually(async () => hooks.forVerification(id).find((w) => w.type === 'attempt.completed'), 'the attempt.completed webhook');
    expect(JSON.stringify(hook.body)).toContain('"amd":{"mode":"hangup","result":"machine"');
  });

  it('with amd wait_for_beep waits for the beep, then leaves a short message without the code', async () => {
    const started = await api.post('/v1/verifications', { to: MACHINE, channel: 'call', amd: 'wait_for_beep' });
    expect(started.status).toBe(201);
    const { attempt } = await settled(started.body.id);
    expect(attempt).toMatchObject({ result: 'machine', amd: { mode: 'wait_for_beep', result: 'machine', beep: true, message_left: true } });
    const { played } = await heard(MACHINE);
    expect(played).toEqual(['goodbye']);
    expect(played.some((p) => p.startsWith('digit-') || p === 'your-code-is')).toBe(false);
  });

  it('speaks the code to a person, with the verdict on the attempt', async () => {
    const started = await api.post('/v1/verifications', { to: HUMAN, channel: 'call', amd: 'hangup' });
    const { attempt } = await settled(started.body.id);
    expect(attempt).toMatchObject({ result: 'delivered', amd: { mode: 'hangup', result: 'human' } });
    const { played, amd } = await heard(HUMAN);
    expect(amd).toEqual(['human']);
    expect(played).toContain('your-code-is');
  });

  it('a workflow step sets its own amd, and after a machine the workflow goes on to its next step', async () => {
    const started = await api.post('/v1/verifications', { to: MACHINE, workflow: 'amd-call-sms' });
    expect(started.status).toBe(201);
    expect(started.body.amd).toBe('off');
    const id = started.body.id as string;
    const first = await settled(id, 1);
    expect(first.attempt).toMatchObject({ channel: 'call', result: 'machine', amd: { mode: 'hangup' } });
    const second = await settled(id, 2);
    expect(second.attempt).toMatchObject({ channel: 'sms', result: 'delivered', amd: null });
    expect(second.verification.status).toBe('pending');
  });

  it('on a reverse call hangs up on the machine before asking for the code', async () => {
    const started = await api.post('/v1/verifications', { to: MACHINE, channel: 'reverse', amd: 'hangup' });
    expect(started.status).toBe(201);
    const { attempt } = await settled(started.body.id);
    expect(attempt).toMatchObject({ channel: 'reverse', result: 'machine', amd: { mode: 'hangup', result: 'machine' } });
    expect((await heard(MACHINE)).played).toEqual([]);
  });

  it('refuses an unknown amd mode with a 400 and a stable code', async () => {
    const res = await api.post<{ error: { code: string } }>('/v1/verifications', { to: HUMAN, channel: 'call', amd: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST_INVALID');
  });
});
