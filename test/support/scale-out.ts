import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './api-client';
import { startEngine, type EngineProcess } from './engine-process';

export const KEY = {
  id: 'k1',
  secret: 'scale-out-test-secret-1',
  webhookSecret: `whsec_${Buffer.from('scale-out-webhook-secret-32-bytes').toString('base64')}`,
};
const ENGINE_SECRET = 'scale-out-engine-secret-0123456789abcdef';

/**
 * The clock of a multi-engine test. Each engine runs the manual test clock, all starting at the
 * same instant (`testing.clockStartMs`); the test is the one clock source and moves every live
 * engine by the same amount (POST /v1/test/clock, which also runs what became due there). An
 * engine started later is first brought to the current time. Between two engines' POSTs the
 * clocks differ for a moment, as real engines' clocks do; leases and compare-and-set writes keep
 * every job and write exactly-once regardless of which engine sees a due time first.
 *
 * Leases and engine liveness: job and webhook leases are measured on the engines' clocks (so
 * jumping the clock ends them), while engine liveness (heartbeats in Redis) is real time.
 */
export class SharedTestClock {
  private readonly members = new Set<ApiClient>();
  now: number;

  constructor(readonly start: number) {
    this.now = start;
  }

  async join(api: ApiClient): Promise<void> {
    const res = await api.get<{ now: string }>('/v1/test/clock');
    const behind = this.now - Date.parse(res.body.now);
    if (behind > 0) await api.post('/v1/test/clock', { advance_ms: behind });
    this.members.add(api);
  }

  leave(api: ApiClient): void {
    this.members.delete(api);
  }

  /** Moves every live engine by `ms` and waits until each ran what became due. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const api of this.members) {
      const res = await api.post('/v1/test/clock', { advance_ms: ms });
      if (res.status !== 200) throw new Error(`test clock: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }

  /** Moves time in steps (retries with backoff need each step to run what is due). */
  async advanceInSteps(totalMs: number, stepMs: number): Promise<void> {
    for (let done = 0; done < totalMs; done += stepMs) await this.advance(Math.min(stepMs, totalMs - done));
  }
}

export interface GroupOptions {
  storeUrl: string;
  /** Key webhook URL (the test's receiver). */
  webhookUrl?: string;
  /** Simulated call speed (default 10). */
  speed?: number;
  /** Merged over the generated configuration. */
  config?: Record<string, unknown>;
}

export interface GroupEngine {
  name: string;
  process: EngineProcess;
  api: ApiClient;
}

/** Several real engine processes on one Redis, sharing one test clock. */
export class EngineGroup {
  readonly clock = new SharedTestClock(Date.now());
  readonly engines = new Map<string, GroupEngine>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'pbxverify-group-'));
  private readonly configFile = join(this.dir, 'config.json');

  constructor(opts: GroupOptions) {
    const config = {
      store: opts.storeUrl,
      secret: ENGINE_SECRET,
      apiKeys: [
        { id: KEY.id, secret: KEY.secret, webhookSecret: KEY.webhookSecret, allowCustomCode: true, ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}) },
      ],
      simulator: { speed: opts.speed ?? 10 },
      scheduler: { pollMs: 50 },
      webhooks: { pollMs: 50, allowNetworks: ['127.0.0.0/8'], timeoutMs: 2_000 },
      scaleOut: { heartbeatMs: 200, instanceTtlMs: 1_000, sweepMs: 200 },
      testing: { manualClock: true, clockStartMs: this.clock.start },
      ...opts.config,
    };
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
  }

  /** Starts an engine; `env` overrides settings for this one (PBXVERIFY_STORE: reach Redis another way). */
  async start(name: string, env: Record<string, string> = {}): Promise<GroupEngine> {
    const proc = await startEngine({ PBXVERIFY_CONFIG: this.configFile, PBXVERIFY_LOG_LEVEL: 'info', ...env });
    const api = new ApiClient(proc.url, proc.auth(KEY.id, KEY.secret));
    await this.clock.join(api);
    const engine = { name, process: proc, api };
    this.engines.set(name, engine);
    return engine;
  }

  get(name: string): GroupEngine {
    const engine = this.engines.get(name);
    if (!engine) throw new Error(`no engine ${name}`);
    return engine;
  }

  /** `kill -9`: no shutdown, nothing cleaned up. */
  async kill(name: string): Promise<void> {
    const engine = this.get(name);
    this.clock.leave(engine.api);
    this.engines.delete(name);
    await engine.process.stop('SIGKILL');
  }

  /** Graceful stop (SIGTERM). */
  async stop(name: string): Promise<void> {
    const engine = this.get(name);
    this.clock.leave(engine.api);
    this.engines.delete(name);
    await engine.process.stop('SIGTERM');
  }

  async stopAll(): Promise<void> {
    for (const engine of this.engines.values()) {
      this.clock.leave(engine.api);
      await engine.process.stop('SIGTERM');
    }
    this.engines.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Log lines of an engine, parsed (JSON lines only). */
  logs(name: string): Array<Record<string, unknown>> {
    return this.get(name)
      .process.lines.filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** The code in the latest simulated SMS to `to` on any of these engines. */
export async function smsCode(apis: ApiClient[], to: string): Promise<string | undefined> {
  for (const api of apis) {
    const res = await api.get<{ messages: Array<{ body: string }> }>(`/v1/simulator/messages?to=${encodeURIComponent(to)}`);
    const last = res.body.messages?.at(-1);
    const code = last ? /(\d{4,10})/.exec(last.body)?.[1] : undefined;
    if (code) return code;
  }
  return undefined;
}

/**
 * The code spoken in the latest completed simulated call to `to` on any of these engines
 * (the announcement says it twice: the first half of the digits played).
 */
export async function spokenCode(apis: ApiClient[], to: string, length = 6): Promise<string | undefined> {
  for (const api of apis) {
    const res = await api.get<{ calls: Array<{ events: Array<{ type: string; item?: { prompt?: string }; completed?: boolean }> }> }>(
      `/v1/simulator/calls?to=${encodeURIComponent(to)}`,
    );
    for (const call of [...(res.body.calls ?? [])].reverse()) {
      const digits = call.events
        .filter((e) => e.type === 'play' && e.completed && /^digit-\d$/.test(e.item?.prompt ?? ''))
        .map((e) => (e.item?.prompt as string).slice(-1));
      if (digits.length >= 2 * length) return digits.slice(0, length).join('');
    }
  }
  return undefined;
}
