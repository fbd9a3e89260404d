import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { DevKeyRefusedError, developmentKey, KeyRing } from './api/keys';
import { calledInCallbacks, compatPlugins } from './api/compat';
import { doNotCallRoutes } from './api/routes/do-not-call';
import { buildServer, serverTimeouts } from './api/server';
import { metricsListener, metricsOpenToNetwork } from './api/routes/metrics';
import { PbxChannelRunner } from './channels/runner';
import { redactUrlPassword } from './config/load';
import type { ApiKeyConfig, Config } from './config/schema';
import { ManualClock, systemClock, type Clock } from './lib/clock';
import { REDACT_PATHS } from './lib/mask';
import { FileNumberList } from './lib/number-list-file';
import { PollLoop } from './lib/poll-loop';
import { Metrics } from './metrics/metrics';
import { AriPbx } from './pbx/asterisk-ari/ari-pbx';
import { parseAriUrl, stasisAppName } from './pbx/asterisk-ari/ari-url';
import { DialerPbx } from './pbx/dialer/dialer-pbx';
import type { Pbx } from './pbx/port';
import { FreeSwitchPbx } from './pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from './pbx/freeswitch-esl/url';
import { SimulatorPbx } from './pbx/simulator/simulator-pbx';
import { PromptCatalog } from './prompts/catalog';
import { MemoryStore } from './store/memory/memory-store';
import type { Store } from './store/port';
import { createRedisClient } from './store/redis/connection';
import { RedisPeers } from './store/redis/redis-peers';
import { RedisStore } from './store/redis/redis-store';
import { CodeVault } from './verification/codes';
import type { ErrorCode } from './verification/errors';
import type { WorkflowStep } from './verification/model';
import { AbuseControls } from './verification/policy/admission';
import { DoNotCallList } from './verification/policy/do-not-call';
import type { EnginePeers } from './verification/ports';
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
  /** This engine's identity among several on one store (leases, attempts, abort requests). */
  instanceId: string;
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

/** A unique name for this engine process: host, pid and a random part (a restart gets a new one). */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

interface StoreParts {
  store: Store;
  /** Other engines on the same store (Redis only). */
  peers?: EnginePeers;
  /** Opens connections (at engine start). */
  connect(): Promise<void>;
}

function buildStore(config: Readonly<Config>, deps: { logger: Logger; instanceId: string }): StoreParts {
  if (config.store === 'memory') return { store: new MemoryStore(), connect: async () => undefined };
  const logger = deps.logger.child({ component: 'redis' });
  const client = createRedisClient(config.store, `pbxverify:${deps.instanceId}`, logger);
  let lastError: string | undefined;
  client.once('error', (err: Error) => (lastError = err.message));
  const subscriber = createRedisClient(config.store, `pbxverify:${deps.instanceId}:sub`, logger);
  return {
    store: new RedisStore(client),
    peers: new RedisPeers({
      client,
      subscriber,
      instanceId: deps.instanceId,
      logger,
      heartbeatMs: config.scaleOut.heartbeatMs,
      instanceTtlMs: config.scaleOut.instanceTtlMs,
    }),
    connect: async () => {
      try {
        await client.connect();
        await subscriber.connect();
      } catch (err) {
        client.disconnect();
        subscriber.disconnect();
        throw new Error(`store: cannot reach Redis at ${redactUrlPassword(config.store)} (${lastError ?? (err as Error).message})`);
      }
    },
  };
}

export interface PbxDeps {
  clock: Clock;
  logger: Logger;
  catalog: PromptCatalog;
  /** This engine's identity, for drivers that must be unique per engine instance. */
  instanceId?: string | undefined;
}

/** One PBX node (one driver) from one URL of `config.pbx`. */
export function buildPbxNode(url: string, config: Readonly<Config>, deps: PbxDeps): Pbx {
  if (url === 'simulator') {
    return new SimulatorPbx({
      clock: deps.clock,
      logger: deps.logger.child({ pbx: 'simulator' }),
      speed: config.simulator.speed,
      numbers: config.simulator.numbers,
      durationMs: (lang, id) => deps.catalog.durationMs(lang, id),
    });
  }
  if (/^aris?:\/\//.test(url)) {
    const target = parseAriUrl(url);
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
  if (url.startsWith('esl://')) {
    return new FreeSwitchPbx({
      target: parseEslUrl(url),
      settings: { ...config.freeswitch, defaultTrunk: config.calls.trunk, languages: deps.catalog.languages() },
      logger: deps.logger.child({ pbx: 'freeswitch-esl' }),
      clock: deps.clock,
    });
  }
  throw new Error(`pbx ${url.split(':')[0]}: no driver in this version (only "simulator", ari:// and esl://)`);
}

/** Every URL in `config.pbx` as a node, behind the dialer (limits, queue, health, failover). */
export function buildPbx(config: Readonly<Config>, deps: PbxDeps): DialerPbx {
  const names = new Set<string>();
  const nodes = config.pbx.map((url) => {
    let name = nodeName(url);
    for (let i = 2; names.has(name); i++) name = `${nodeName(url)}#${i}`;
    names.add(name);
    return { name, pbx: buildPbxNode(url, config, deps), maxConcurrent: config.dialer.maxCallsPerNode };
  });
  return new DialerPbx({
    nodes,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'dialer' }),
    defaultLimits: config.dialer.defaultLimits,
    trunks: config.dialer.trunks,
    queueMaxLength: config.dialer.queueMaxLength,
    queueTimeoutMs: config.dialer.queueTimeoutMs,
    healthCheckMs: config.dialer.healthCheckMs,
    downAfterChecks: config.dialer.downAfterChecks,
  });
}

/** `scheme://host:port` of a PBX URL, never its credentials. */
function nodeName(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : url;
  } catch {
    return url.split(':')[0] ?? 'pbx';
  }
}

/** The built-in simulators, directly or behind the dialer (QA routes, simulated screens). */
export function simulatorsOf(pbx: Pbx): SimulatorPbx[] {
  if (pbx instanceof SimulatorPbx) return [pbx];
  if (pbx instanceof DialerPbx) return pbx.members.filter((member): member is SimulatorPbx => member instanceof SimulatorPbx);
  return [];
}

/** The first built-in simulator, if the PBX is (or includes) one. */
export function simulatorOf(pbx: Pbx): SimulatorPbx | undefined {
  return simulatorsOf(pbx)[0];
}

/** Wires every concrete part together. The only place that does. */
export async function createEngine(config: Readonly<Config>, options: EngineOptions = {}): Promise<Engine> {
  const logger = options.logger ?? createLogger(config);
  const instanceId = newInstanceId();
  const ephemeralSecret = config.secret === undefined;
  const secret = config.secret ?? randomBytes(32).toString('base64url');

  let devKey: Engine['devKey'];
  let apiKeys: readonly ApiKeyConfig[] = config.apiKeys;
  if (apiKeys.length === 0) {
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
  const storeParts = buildStore(config, { logger, instanceId });
  const { store, peers } = storeParts;
  const pbx = buildPbx(config, { clock, logger, catalog, instanceId });
  const simulators = simulatorsOf(pbx);
  const simulator = simulators[0];
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
    listeners: [calledInCallbacks({ store, clock, onEnqueued: () => dispatcher.kick() })],
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
  // Abuse controls (docs/abuse-controls.md): every start passes them before anything is dialled.
  const dncFile = config.abuse.doNotCall.file;
  const doNotCall = new DoNotCallList(dncFile === undefined ? undefined : new FileNumberList(dncFile));
  await doNotCall.reload();
  const dncReload = new PollLoop(async () => (await doNotCall.reload(), 0), config.abuse.doNotCall.reloadSeconds * 1000, (err) =>
    logger.error({ err }, 'could not read the do-not-call list'),
  );
  const admission = new AbuseControls({ counters: store, config: config.abuse, onDoNotCallList: (n) => doNotCall.has(n), logger: logger.child({ component: 'abuse' }) });
  if (!config.abuse.enabled) logger.warn('abuse controls are off (abuse.enabled: false): no flood limits, quotas, lists or do-not-call');
  const onRefusal = (code: ErrorCode): void => metrics.refusalsTotal.inc({ code });

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
    admission: config.abuse.enabled ? admission : undefined,
    instanceId,
    peers,
    // Every simulated node shows the code: the dialer decides which one places the call.
    onCodeShown: simulator ? (to, code, id) => simulators.forEach((sim) => sim.showOnScreen(to, code, id)) : undefined,
  });
  // Real time, also under the test clock: engine liveness is about processes, not simulated time.
  const sweeper = new PollLoop(() => service.sweep(), config.scaleOut.sweepMs, (err) => logger.error({ err }, 'scale-out sweep failed'));

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
    http: config.http,
    metricsOnApiPort: config.metrics.port === undefined,
    metricsAccess: { token: config.metrics.token },
    plugins: [...compatPlugins({ service, keys, urlGuard: guard, clock, logger, onRefusal }), doNotCallRoutes({ keys, list: doNotCall, logger, onRefusal })],
    simulator,
    testClock:
      clock instanceof ManualClock
        ? {
            clock,
            runDue: async () => {
              await sweeper.tick();
              await scheduler.tick();
              await dispatcher.tick();
            },
          }
        : undefined,
  });

  // /metrics on a listener of its own when configured (docs/operations.md, "Metrics")
  const metricsPort = config.metrics.port;
  const metricsApp =
    metricsPort === undefined ? undefined : metricsListener({ metrics, access: { token: config.metrics.token }, timeouts: serverTimeouts(config.http), host: config.metrics.host, port: metricsPort });
  if (metricsOpenToNetwork(config)) logger.warn({ host: config.host }, '/metrics is open to anyone who reaches the API port: set metrics.token or metrics.port');

  const engine: Engine = {
    config,
    logger,
    app,
    service,
    store,
    pbx,
    instanceId,
    keys,
    catalog,
    clock,
    devKey,
    ephemeralSecret,
    async start() {
      await storeParts.connect();
      await pbx.start();
      await service.open();
      scheduler.start();
      dispatcher.start();
      sweeper.start();
      dncReload.start();
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      if (metricsApp) logger.info(await metricsApp.listen(), 'metrics listening');
      logger.info({ port, host: config.host, pbx: pbx.kind, store: store.kind, instance: instanceId, languages: catalog.languages().length }, 'listening');
      return { host: config.host, port };
    },
    async stop() {
      await app.close();
      await metricsApp?.close();
      await service.stop();
      await sweeper.stop();
      await scheduler.stop();
      await pbx.stop();
      await dispatcher.stop();
      await dncReload.stop();
      await store.close();
    },
  };
  return engine;
}
