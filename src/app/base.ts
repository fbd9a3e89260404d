import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { DevKeyRefusedError, developmentKey, KeyRing } from '../api/keys';
import type { ApiKeyConfig, Config } from '../config/schema';
import { ManualClock, systemClock, type Clock } from '../lib/clock';
import { REDACT_PATHS } from '../lib/mask';
import { PromptCatalog } from '../prompts/catalog';
import { webhookSecretFor } from '../webhooks/signing';

/** Project root (two levels above src/app/ or dist/app/). */
export const ROOT_DIR = join(__dirname, '..', '..');

export interface BaseOptions {
  /** Override the logger (tests, CLI). */
  logger?: Logger;
  /** Sounds directory (default: <root>/sounds). */
  soundsDir?: string;
  /** Loads the configuration file again (SIGHUP, admin reload); routing reload is refused without it. */
  reloadConfig?: () => Readonly<Config>;
}

/** What every capability may use: built once, before any of them. */
export interface Base {
  config: Readonly<Config>;
  logger: Logger;
  /** This engine's identity among several on one store (leases, attempts, abort requests). */
  instanceId: string;
  /** The engine secret (codes, webhook signing keys): configured, or made for this run. */
  secret: string;
  /** Set when the engine secret was generated for this run only. */
  ephemeralSecret: boolean;
  keys: KeyRing;
  /** Set when no key was configured: a development key made for this run only. */
  devKey: { id: string; secret: string; webhookSecret: string } | undefined;
  clock: Clock;
  catalog: PromptCatalog;
}

export function createLogger(config: Readonly<Config>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'pbxverify' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(config.logPretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}

/** A unique name for this engine process: host, pid and a random part (a restart gets a new one). */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Logger, identity, secret, API keys, clock and prompt catalogue. */
export function createBase(config: Readonly<Config>, options: BaseOptions = {}): Base {
  const logger = options.logger ?? createLogger(config);
  const instanceId = newInstanceId();
  const ephemeralSecret = config.secret === undefined;
  const secret = config.secret ?? randomBytes(32).toString('base64url');

  let devKey: Base['devKey'];
  let apiKeys: readonly ApiKeyConfig[] = config.apiKeys;
  if (apiKeys.length === 0) {
    // the development key: least privilege, never in production (docs/security.md)
    if (config.production) throw new DevKeyRefusedError();
    const key = developmentKey();
    apiKeys = [key];
    devKey = { id: key.id, secret: key.secret, webhookSecret: webhookSecretFor(key, secret) };
  }
  const keys = new KeyRing(apiKeys);

  const clock: Clock = config.testing.manualClock ? new ManualClock(config.testing.clockStartMs) : systemClock;
  if (config.testing.manualClock) logger.warn('manual test clock enabled: time moves only through POST /v1/test/clock');
  const catalog = new PromptCatalog(options.soundsDir ?? join(ROOT_DIR, 'sounds'));
  for (const problem of catalog.problems) logger.warn({ problem }, 'language pack left out');
  return { config, logger, instanceId, secret, ephemeralSecret, keys, devKey, clock, catalog };
}
