import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ApiClient, eventually } from './api-client';
import { startEngine, type EngineProcess } from './engine-process';
import { WebhookReceiver } from './webhook-receiver';

export const KEY = { id: 'shop', secret: 'shop-secret-0123456789abcdef', webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
export const QA_KEY = { id: 'qa', secret: 'qa-secret-0123456789abcdef' };

export interface Fixture {
  engine: EngineProcess;
  api: ApiClient;
  receiver: WebhookReceiver;
  hookUrl: string;
  /** The configuration file the engine was started with (reload tests rewrite it). */
  file: string;
  /** Moves the engine's manual clock and runs whatever became due. */
  advance(ms: number): Promise<void>;
  /** Polls GET /v1/verifications/:id until `ready` accepts it. */
  waitFor(id: string, ready: (v: any) => boolean, what: string): Promise<any>;
  /** The code digits the simulated callee heard in its latest call (between "your code is" and "I repeat"). */
  heardCode(to: string): Promise<string>;
  /** The latest SMS the simulated phone received. */
  lastSms(to: string): Promise<string>;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  /** Extra top-level config merged over the defaults. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  allowLoopbackWebhooks?: boolean;
}

/** Starts a real engine process (manual clock, fast simulator) and a signature-checking webhook receiver. */
export async function startFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const receiver = new WebhookReceiver();
  const hookUrl = await receiver.start();
  receiver.useSecret(KEY.webhookSecret);
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-e2e-'));
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(
    file,
    stringify({
      secret: 'e2e-engine-secret-0123456789abcdefghij',
      apiKeys: [
        {
          id: KEY.id,
          secret: KEY.secret,
          webhookSecret: KEY.webhookSecret,
          allowCustomCode: true,
          allowedCallerIds: ['+442037691880'],
          brand: 'Acme',
        },
        { id: QA_KEY.id, secret: QA_KEY.secret, allowedChannels: ['sms'] },
      ],
      simulator: { speed: 20 },
      scheduler: { pollMs: 50 },
      webhooks: { pollMs: 50, allowNetworks: opts.allowLoopbackWebhooks === false ? [] : ['127.0.0.0/8'] },
      ...opts.config,
    }),
  );
  const engine = await startEngine({ PBXVERIFY_CONFIG: file, PBXVERIFY_TEST_CLOCK: 'manual', PBXVERIFY_LOG_LEVEL: 'info', ...opts.env });
  const api = new ApiClient(engine.url, engine.auth(KEY.id, KEY.secret));

  const waitFor = (id: string, ready: (v: any) => boolean, what: string): Promise<any> =>
    eventually(async () => {
      const res = await api.get(`/v1/verifications/${id}`);
      return ready(res.body) ? res.body : undefined;
    }, what);

  return {
    engine,
    api,
    receiver,
    hookUrl,
    file,
    advance: async (ms) => {
      const res = await api.post('/v1/test/clock', { advance_ms: ms });
      if (res.status !== 200) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
    },
    waitFor,
    heardCode: async (to) => spokenCode((await api.get(`/v1/simulator/calls?to=${encodeURIComponent(to)}`)).body.calls.at(-1)),
    lastSms: async (to) => {
      const res = await api.get(`/v1/simulator/messages?to=${encodeURIComponent(to)}`);
      return res.body.messages.at(-1)?.body as string;
    },
    stop: async () => {
      await engine.stop();
      await receiver.stop();
    },
  };
}

export function codeIn(text: string): string {
  const match = /\b([0-9]{4,20})\b/.exec(text);
  if (!match) throw new Error(`no code in "${text}"`);
  return match[1] as string;
}

/** The code digits a simulated call played (between "your code is" and "I repeat"). */
export function spokenCode(call: { events: any[] }): string {
  const played: string[] = call.events.filter((e: any) => e.type === 'play' && e.item.prompt).map((e: any) => e.item.prompt);
  const start = played.indexOf('your-code-is');
  const end = played.indexOf('i-repeat');
  return played
    .slice(start + 1, end)
    .filter((p) => p.startsWith('digit-'))
    .map((p) => p.slice(6))
    .join('');
}
