import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { KeyRing } from './api/keys';
import { buildServer } from './api/server';
import { PbxChannelRunner } from './channels/runner';
import type { ApiKeyConfig, Config } from './config/schema';
import { ManualClock, systemClock, type Clock } from './lib/clock';
import { REDACT_PATHS } from './lib/mask';
import { Metrics } from './metrics/metrics';
import { AriPbx } from './pbx/asterisk-ari/ari-pbx';
import { parseAriUrl, stasisAppName } from './pbx/asterisk-ari/ari-url';
import type { Pbx } from './pbx/port';
import { FreeSwitchPbx } from './pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from './pbx/freeswitch-esl/url';
import { SimulatorPbx } from './pbx/simulator/simulator-pbx';
import { PromptCatalog } from './prompts/catalog';
import { MemoryStore } from './store/memory/memory-store';
import type { Store } from './store/port';
import { CodeVault } from './verification/codes';
import type { WorkflowStep } from './verification/model';
import { Scheduler } from './verification/scheduler';
import { VerificationService } from './verification/service';
import { PRESET_WORKFLOWS } from './verification/workflows';
import { WebhookDispatcher } from './webhooks/dispatcher';
import { WebhookPublisher } from './webhooks/publisher';
import { webhookSecretFor } from './webhooks/signing';
import { NetworkUrlGuard } from './webhooks/url-guard';

/** Project root (one level above src/ or dist/). */
export const ROOT_DIR = join(__dirname, '..');

export interface Engine {
  config: Readonly<Config>;
  logger: Logger;
  app: FastifyInstance;
  service: VerificationService;
  store: Store;
  pbx: Pbx;
  keys: KeyRing;
  catalog: PromptCatalog;
  clock: Clock;
  /** Set when no key was configured: a development key made for this run only. */
  devKey?: { id: string; secret: string; webhookSecret: string } | undefined;
  /** Set when the engine secret was generated for this run only. */
  ephemeralSecret: boolean;
  /** Starts the PBX, background loops and the HTTP listener; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /** Graceful stop: no new requests, running calls hung up, loops drained. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Override the logger (tests, CLI). */
  logger?: Logger;
  /** Sounds directory (default: <root>/sounds). */
  soundsDir?: string;
}

export function createLogger(config: Readonly<Config>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'pbxverify' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(config.logPretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function buildStore(config: Readonly<Config>): Store {
  if (config.store === 'memory') return new MemoryStore();
  throw new Error(`store ${config.store.split(':')[0]}: not available in this version (only "memory")`);
}

export function buildPbx(config: Readonly<Config>, deps: { clock: Clock; logger: Logger; catalog: PromptCatalog }): Pbx {
  const [first] = config.pbx;
  if (first === 'simulator') {
    return new SimulatorPbx({
      clock: deps.clock,
      logger: deps.logger.child({ pbx: 'simulator' }),
      speed: config.simulator.speed,
      numbers: config.simulator.numbers,
      durationMs: (lang, id) => deps.catalog.durationMs(lang, id),
    });
  }
  if (first !== undefined && /^aris?:\/\//.test(first)) {
    if (config.pbx.length > 1) {
      throw new Error(
        `pbx: ${config.pbx.length} ari:// URLs are configured, but spreading calls over several Asterisk nodes needs the dialer ` +
          '(src/pbx/dialer, coming in issue 6); configure a single ari:// URL for now',
      );
    }
    const target = parseAriUrl(first);
    // one Stasis app per engine instance: a shared name silently steals events (docs/asterisk.md)
    const appName = stasisAppName(target.app, config.asterisk.instanceSuffix);
    return new AriPbx({
      target,
      appName,
      settings: config.asterisk,
      defaultTrunk: config.calls.trunk,
      logger: deps.logger.child({ pbx: 'asterisk-ari', app: appName }),
    });
  }
  if (first?.startsWith('esl://')) {
    if (config.pbx.length > 1) {
      throw new Error(
        `pbx: ${config.pbx.length} PBX URLs are configured, but spreading calls over several FreeSWITCH nodes needs the dialer ` +
          '(src/pbx/dialer, coming in issue 6); configure a single esl:// URL for now',
      );
    }
    return new FreeSwitchPbx({
      target: parseEslUrl(first),
      settings: { ...config.freeswitch, defaultTrunk: config.calls.trunk, languages: deps.catalog.languages() },
      logger: deps.logger.child({ pbx: 'freeswitch-esl' }),
      clock: deps.clock,
    });
  }
  throw new Error(`pbx ${String(first).split(':')[0]}: no driver in this version (only "simulator", ari:// and esl://)`);
}

/** Wires every concrete part together. The only place that does. */
export async function createEngine(config: Readonly<Config>, options: EngineOptions = {}): Promise<Engine> {
  const logger = options.logger ?? createLogger(config);
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const ephemeralSecret = config.secret === undefined;
  const secret = config.secret ?? randomBytes(32).toString('base64url');

  let devKey: Engine['devKey'];
  let apiKeys: readonly ApiKeyConfig[] = config.apiKeys;
  if (apiKeys.length === 0) {
    const key: ApiKeyConfig = {
      id: 'dev',
      secret: randomBytes(18).toString('base64url'),
      name: 'development key (this run only)',
      disabled: false,
      allowedCallerIds: [],
      allowedSenders: [],
      allowedChannels: ['call', 'reverse', 'sms'],
      allowCustomCode: true,
      replaceActive: false,
      voiceGate: false,
    };
    apiKeys = [key];
    devKey = { id: key.id, secret: key.secret, webhookSecret: webhookSecretFor(key, secret) };
  }
  const keys = new KeyRing(apiKeys);

  const clock: Clock = config.testing.manualClock ? new ManualClock() : systemClock;
  if (config.testing.manualClock) logger.warn('manual test clock enabled: time moves only through POST /v1/test/clock');
  const catalog = new PromptCatalog(options.soundsDir ?? join(ROOT_DIR, 'sounds'));
  for (const problem of catalog.problems) logger.warn({ problem }, 'language pack left out');
  const store = buildStore(config);
  const pbx = buildPbx(config, { clock, logger, catalog });
  const workflows: Record<string, readonly WorkflowStep[]> = { ...PRESET_WORKFLOWS, ...config.workflows };

  const metrics: Metrics = new Metrics({
    pbxReady: () => (pbx.health().ready ? 1 : 0),
    // Read lazily, after `service` exists below.
    runningAttempts: () => service.runningAttempts(),
    pendingWebhooks: () => store.pendingWebhooks(),
  });
  const guard = new NetworkUrlGuard(config.webhooks.allowNetworks);
  const dispatcher = new WebhookDispatcher({
    store,
    clock,
    logger: logger.child({ component: 'webhooks' }),
    guard,
    secretFor: (keyId) => webhookSecretFor(keys.get(keyId) ?? { id: keyId }, secret),
    owner: instanceId,
    pollMs: config.webhooks.pollMs,
    timeoutMs: config.webhooks.timeoutMs,
    concurrency: config.webhooks.concurrency,
    maxAgeMs: config.webhooks.maxAgeSeconds * 1000,
    metrics,
  });
  const publisher = new WebhookPublisher({
    store,
    clock,
    keyWebhookUrl: (keyId) => keys.get(keyId)?.webhookUrl,
    onEnqueued: () => dispatcher.kick(),
  });
  const runner = new PbxChannelRunner(
    pbx,
    {
      ringTimeoutMs: config.calls.ringTimeoutSeconds * 1000,
      maxCallMs: config.calls.maxCallSeconds * 1000,
      trunk: config.calls.trunk,
      reverse: config.reverse,
      sms: { defaultTemplate: config.sms.defaultTemplate, defaultSender: config.sms.defaultSender },
    },
    logger.child({ component: 'channels' }),
  );
  const scheduler: Scheduler = new Scheduler({
    store,
    clock,
    logger: logger.child({ component: 'scheduler' }),
    handle: (job) => service.runJob(job),
    owner: instanceId,
    pollMs: config.scheduler.pollMs,
  });
  const service: VerificationService = new VerificationService({
    store,
    clock,
    vault: new CodeVault(secret),
    logger,
    policy: {
      codeLength: config.verification.codeLength,
      expirySeconds: config.verification.expirySeconds,
      maxCheckAttempts: config.verification.maxCheckAttempts,
      defaultLang: config.verification.defaultLang,
      defaultCallerId: config.calls.defaultCallerId,
      defaultSender: config.sms.defaultSender,
      defaultBrand: config.sms.defaultBrand,
      workflows,
      languageAvailable: (lang) => catalog.has(lang),
    },
    retentionMs: config.verification.retentionSeconds * 1000,
    runner,
    events: publisher,
    urlGuard: guard,
    scheduler,
    metrics,
    instanceId,
    onCodeShown: pbx instanceof SimulatorPbx ? (to, code) => pbx.showOnScreen(to, code) : undefined,
  });

  const app = await buildServer({
    logger,
    service,
    keys,
    metrics,
    store,
    pbx,
    catalog,
    workflows,
    version: packageVersion(),
    simulator: pbx instanceof SimulatorPbx ? pbx : undefined,
    testClock:
      clock instanceof ManualClock
        ? {
            clock,
            runDue: async () => {
              await scheduler.tick();
              await dispatcher.tick();
            },
          }
        : undefined,
  });

  const engine: Engine = {
    config,
    logger,
    app,
    service,
    store,
    pbx,
    keys,
    catalog,
    clock,
    devKey,
    ephemeralSecret,
    async start() {
      await pbx.start();
      scheduler.start();
      dispatcher.start();
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      logger.info({ port, host: config.host, pbx: pbx.kind, store: store.kind, languages: catalog.languages().length }, 'listening');
      return { host: config.host, port };
    },
    async stop() {
      await app.close();
      await service.stop();
      await scheduler.stop();
      await pbx.stop();
      await dispatcher.stop();
      await store.close();
    },
  };
  return engine;
}
