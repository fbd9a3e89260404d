import { PollLoop } from '../lib/poll-loop';
import type { Metrics } from '../metrics/metrics';
import type { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import type { Store } from '../store/port';
import { CodeVault } from '../verification/codes';
import type { WorkflowStep } from '../verification/model';
import type { Admission } from '../verification/policy/admission';
import type { CallRouting, ChannelRunner, CostLimit, DestinationGuard, EnginePeers, EventSink, FlashCallerIds, MissedCallNumbers, UrlGuard } from '../verification/ports';
import { Scheduler } from '../verification/scheduler';
import { VerificationService } from '../verification/service';
import { PRESET_WORKFLOWS } from '../verification/workflows';
import type { Base } from './base';
import type { Capability } from './capability';

export interface VerificationCapability extends Capability {
  service: VerificationService;
  /** The preset workflows and the configured ones (`workflows`). */
  workflows: Readonly<Record<string, readonly WorkflowStep[]>>;
}

export interface VerificationDeps {
  store: Store;
  peers: EnginePeers | undefined;
  runner: ChannelRunner;
  events: EventSink;
  urlGuard: UrlGuard;
  admission: Admission | undefined;
  metrics: Metrics;
  /** SMS parts of a rendered template (src/app/sms.ts), for the request-time `sms.maxParts` check. */
  smsParts?: (template: string | undefined, code: string, brand: string, lang: string, to: string) => number;
  /** Routes and caller-ID pools, checked at start (NO_ROUTE, CALLER_ID_NOT_IN_POOL). */
  routing?: CallRouting | undefined;
  /** The `maxCost` policy of keys and routes, judged at start (COST_LIMIT_EXCEEDED). */
  costLimit?: CostLimit | undefined;
  /** The fraud guard's blocks, checked at start (DESTINATION_BLOCKED). */
  destinationGuard?: DestinationGuard | undefined;
  /** Every simulated node shows the code of a reverse step (the dialer decides which one calls). */
  simulators: readonly SimulatorPbx[];
  /** Flash-call caller IDs and missed-call DIDs (src/app/inbound.ts). */
  inbound?: { flash: FlashCallerIds; missedCall: MissedCallNumbers } | undefined;
}

/**
 * `verification`, `scheduler`, `workflows` and the scale-out sweep: the service, its job
 * scheduler and the loop that finishes the attempts of engines that died.
 */
export function verificationCapability(base: Base, deps: VerificationDeps): VerificationCapability {
  const { config, logger, clock, catalog, secret, instanceId } = base;
  const { store, simulators } = deps;
  const flashIds = deps.inbound?.flash;
  const workflows: Record<string, readonly WorkflowStep[]> = { ...PRESET_WORKFLOWS, ...config.workflows };
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
      smsParts: deps.smsParts,
      smsMaxParts: config.sms.maxParts,
      routing: deps.routing,
      costLimit: deps.costLimit,
      destinationGuard: deps.destinationGuard,
      flash: { ...config.flashCall, plan: flashIds ? (to, n) => flashIds.plan(to, n) : undefined },
    },
    flash: deps.inbound?.flash,
    missedCall: deps.inbound?.missedCall,
    retentionMs: config.verification.retentionSeconds * 1000,
    runner: deps.runner,
    events: deps.events,
    urlGuard: deps.urlGuard,
    scheduler,
    metrics: deps.metrics,
    admission: deps.admission,
    instanceId,
    peers: deps.peers,
    onCodeShown: simulators.length > 0 ? (to, code, id) => simulators.forEach((sim) => sim.showOnScreen(to, code, id)) : undefined,
    onCallToShown: simulators.length > 0 ? (to, callTo) => simulators.forEach((sim) => sim.showCallTo(to, callTo)) : undefined,
  });
  // Real time, also under the test clock: engine liveness is about processes, not simulated time.
  const sweeper = new PollLoop(() => service.sweep(), config.scaleOut.sweepMs, (err) => logger.error({ err }, 'scale-out sweep failed'));
  return {
    name: 'verification',
    service,
    workflows,
    async start() {
      await service.open();
      scheduler.start();
      sweeper.start();
    },
    async stop() {
      await service.stop();
      await sweeper.stop();
      await scheduler.stop();
    },
    async tick() {
      await sweeper.tick();
      await scheduler.tick();
    },
  };
}
