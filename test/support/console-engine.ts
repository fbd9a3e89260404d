import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, startEngine, type EngineProcess } from './engine-process';

export const CONSOLE_API_KEY = { id: 'shop', secret: 'shop-secret-0123456789abcdef' };
export const ADMIN_KEY = { id: 'ops', secret: 'ops-secret-0123456789abcdefgh' };

export interface ConsoleEngine {
  engine: EngineProcess;
  url: string;
  /** The admin made with `pbxverify operator add` before the start. */
  admin: { username: string; password: string };
  history: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A real engine (dist/, simulator PBX, SQLite history in a temp dir, the system clock) with one
 * console admin made by the CLI, as an operator would.
 */
export async function startConsoleEngine(config: Record<string, unknown> = {}): Promise<ConsoleEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-console-'));
  const history = `sqlite:${join(dir, 'history.db')}`;
  const file = join(dir, 'pbxverify.yaml');
  writeFileSync(
    file,
    stringify({
      secret: 'console-e2e-secret-0123456789abcdefghij',
      apiKeys: [
        { id: CONSOLE_API_KEY.id, secret: CONSOLE_API_KEY.secret },
        { id: ADMIN_KEY.id, secret: ADMIN_KEY.secret, admin: true },
      ],
      simulator: { speed: 5 },
      scheduler: { pollMs: 50 },
      history: { writerPollMs: 50 },
      console: { maxFailedLogins: 3, lockoutMinutes: 1, loginsPerMinute: 1000 },
      ...config,
    }),
  );
  const env = { PBXVERIFY_CONFIG: file, PBXVERIFY_HISTORY: history, PBXVERIFY_DEV_KEY_FILE: join(dir, 'dev-key.txt') };
  const added = await runCli(['operator', 'add', 'root', '--role', 'admin'], env);
  const password = /password \(shown once\): (\S+)/.exec(added.stdout)?.[1];
  if (added.code !== 0 || !password) throw new Error(`operator add failed: ${added.stdout}${added.stderr}`);
  const engine = await startEngine({ ...env, PBXVERIFY_LOG_LEVEL: 'info' });
  return {
    engine,
    url: engine.url,
    admin: { username: 'root', password },
    history,
    env,
    stop: async () => {
      await engine.stop();
    },
  };
}

/** A console session over plain HTTP (cookie + CSRF token), as the browser holds it. */
export class ConsoleClient {
  cookie = '';
  csrf = '';

  constructor(readonly url: string) {}

  async login(username: string, password: string): Promise<{ status: number; body: any }> {
    const res = await this.request('POST', '/console/api/login', { username, password });
    return res;
  }

  async request(method: string, path: string, body?: unknown, opts: { csrf?: string | null } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] as string;
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    if (path === '/console/api/login' && res.status === 200) this.csrf = parsed.csrf as string;
    return { status: res.status, body: parsed, headers: res.headers };
  }
}
