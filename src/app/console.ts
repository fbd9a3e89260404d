import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { makeErrorHandler } from '../api/error-handler';
import { digest } from '../api/keys';
import { ConsoleAccounts } from '../console/accounts';
import { ConsoleGuard } from '../console/http/guard';
import { bffRoutes } from '../console/http/bff';
import { consoleApiRoutes, type ConsoleAudio } from '../console/http/api-routes';
import { passwordRoute } from '../console/http/password-route';
import { staticRoutes } from '../console/http/static';
import { LiveEventBus } from '../console/live/bus';
import { liveSink } from '../console/live/domain-feed';
import { eventRoutes } from '../console/live/events-route';
import { ObservedPbx } from '../console/live/observed-pbx';
import { EventStreams } from '../console/live/sse';
import { LoginRateLimit, type LoginCounters } from '../console/login-guard';
import { attemptAudioPlan, renderPlanPcm } from '../console/attempt-audio';
import type { Store } from '../store/port';
import { CodeVault } from '../verification/codes';
import { newPassword } from '../console/passwords';
import type { ConsoleStore } from '../console/port';
import { SessionSigner } from '../console/session';
import { AppError, type ErrorCode } from '../lib/errors';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import type { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import { renderHeardPcm, renderWav } from '../prompts/render';
import { voiceCallAudio } from '../prompts/sequence';
import { encodeWav } from '../prompts/wav';
import type { EventSink } from '../verification/ports';
import { ROOT_DIR, type Base } from './base';
import type { Capability } from './capability';

/** The live event bus and its two feeds, built before the PBX runner and the service use them. */
export interface LiveEvents {
  bus: LiveEventBus;
  sink(inner: EventSink): EventSink;
  pbx(inner: Pbx): Pbx;
}

export function liveEvents(base: Base): LiveEvents {
  const bus = new LiveEventBus(() => base.clock.now());
  return { bus, sink: (inner) => liveSink(bus, inner), pbx: (inner) => new ObservedPbx(inner, bus) };
}

export interface ConsoleCapability extends Capability {
  /** Development mode, first start: the admin made because no operator existed (shown once). */
  firstOperator(): { username: string; password: string } | undefined;
}

/** The console's own API key id (in process only; its secret never leaves this engine). */
export const CONSOLE_KEY_ID = 'console.internal';
const KEY_SYNC_MS = 10_000;

/**
 * `console`: GET /v1/events for API clients, and (with the history on) the operator console at
 * /console: accounts, sessions, CSRF, the audit log, the UI (docs/console.md).
 */
export function consoleCapability(
  base: Base,
  deps: { live: LiveEvents; store: ConsoleStore | undefined; engineStore: LoginCounters & Pick<Store, 'get'>; detail: ((id: string) => Promise<Record<string, unknown> | undefined>) | undefined; metrics: Metrics; simulators: readonly SimulatorPbx[]; apiApp: () => FastifyInstance },
): ConsoleCapability {
  const { config, logger: root, keys, clock, catalog } = base;
  const settings = config.console;
  const logger = root.child({ component: 'console' });
  const now = () => clock.now();
  const onRefusal = (code: ErrorCode): void => deps.metrics.refusalsTotal.inc({ code });
  const streams = new EventStreams(deps.live.bus, settings.maxEventStreams);
  const events = eventRoutes({ keys, streams, logger, onRefusal });
  const store = deps.store;
  if (!settings.enabled || !store) {
    return {
      name: 'console',
      firstOperator: () => undefined,
      start: async () => undefined,
      stop: async () => streams.closeAll(),
      routes: [
        events,
        async (app) => {
          app.setErrorHandler(makeErrorHandler(logger, onRefusal));
          app.all('/console*', { schema: { hide: true } }, async () => {
            throw new AppError('CONSOLE_DISABLED');
          });
        },
      ],
    };
  }

  const accounts = new ConsoleAccounts(store, { maxFailedLogins: settings.maxFailedLogins, lockoutMs: settings.lockoutMinutes * 60_000 }, now);
  const signer = new SessionSigner(base.secret);
  const guard = new ConsoleGuard(signer, accounts, { idleMs: settings.idleMinutes * 60_000, absoluteMs: settings.absoluteHours * 3_600_000, secureCookies: settings.secureCookies, production: config.production }, now);
  const limiter = new LoginRateLimit(deps.engineStore, settings.loginsPerMinute);
  // The console reaches the API in process with a key of its own, made per run.
  const secret = newPassword() + newPassword();
  if (keys.get(CONSOLE_KEY_ID)) throw new Error(`API key id ${CONSOLE_KEY_ID} is reserved for the console`);
  keys.addDigested(
    { id: CONSOLE_KEY_ID, secret: '', name: 'operator console', disabled: false, allowedCallerIds: [], allowedSenders: [], allowedChannels: ['call', 'reverse', 'sms'], allowCustomCode: false, replaceActive: false, voiceGate: false, amd: 'off', admin: true, reports: true },
    digest(secret),
  );
  const soundsDir = catalog.soundsDir;
  const vault = new CodeVault(base.secret);
  const audio: ConsoleAudio = {
    languages: () =>
      catalog.languages().map((lang) => {
        const pack = catalog.pack(lang);
        return { lang, name: pack?.name ?? lang, prompts: [...(pack?.durations ?? new Map<string, number>())].map(([id, ms]) => ({ id, ms })) };
      }),
    prompt: (lang, id) => (catalog.pack(lang)?.durations.has(id) ? renderWav(soundsDir, lang, [{ prompt: id }]) : undefined),
    code: (lang, code) => (catalog.has(lang) ? renderWav(soundsDir, lang, voiceCallAudio(code)) : undefined),
    heard: async (id, n) => {
      // simulator calls: exactly what the call log says was played (cut where it was cut)
      for (const simulator of deps.simulators) {
        const call = simulator.callLogs().find((c) => c.tag === `${id}-${n}`);
        if (!call) continue;
        const heard = call.events.flatMap((e) => (e.type === 'play' ? [{ item: e.item, completed: e.completed, heardMs: e.heardMs }] : []));
        return { wav: encodeWav(renderHeardPcm(soundsDir, call.lang, heard)), digits: 'spoken', ended: 'as-planned', source: 'simulator' };
      }
      // any PBX: rendered from the record (the code only while it is sealed; docs/console.md)
      const record = await deps.engineStore.get(id);
      if (!record) return 'record-gone';
      const plan = attemptAudioPlan(record, n, vault);
      if (typeof plan === 'string') return plan;
      return { wav: encodeWav(renderPlanPcm(soundsDir, record.lang, plan)), digits: plan.digits, ended: plan.ended, source: 'render' };
    },
  };
  let first: { username: string; password: string } | undefined;
  let syncTimer: NodeJS.Timeout | undefined;

  return {
    name: 'console',
    firstOperator: () => first,
    async start() {
      try {
        await accounts.syncKeys(keys);
        if (!config.production && (await accounts.countOperators()) === 0) {
          const password = newPassword();
          await accounts.addOperator('engine', 'admin', 'admin', password);
          first = { username: 'admin', password };
        }
      } catch (err) {
        // the history database may be away at start: the console answers once it is back
        logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'console accounts not readable yet');
      }
      syncTimer = setInterval(() => void accounts.syncKeys(keys).catch(() => undefined), KEY_SYNC_MS);
      syncTimer.unref();
    },
    async stop() {
      clearInterval(syncTimer);
      streams.closeAll();
    },
    routes: [
      events,
      async (app) => {
        app.setErrorHandler(makeErrorHandler(logger, onRefusal));
        app.decorateRequest('consoleSession', undefined);
        app.addHook('onSend', async (_request, reply) => {
          void reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
        });
        staticRoutes(app, join(ROOT_DIR, 'dist', 'public', 'console'));
        consoleApiRoutes(app, { guard, signer, accounts, limiter, keys, streams, audio, now, detail: deps.detail ?? (() => Promise.resolve(undefined)) });
        passwordRoute(app, { guard, signer, accounts, now });
        bffRoutes(app, { guard, accounts, apiApp: deps.apiApp, authorization: `Bearer ${CONSOLE_KEY_ID}:${secret}` });
      },
    ],
  };
}
