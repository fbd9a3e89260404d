import type { Logger } from 'pino';
import { PbxChannelRunner } from '../channels/runner';
import { pbxNodeNames } from '../config/routing-schema';
import type { Config } from '../config/schema';
import type { Clock } from '../lib/clock';
import { AriPbx } from '../pbx/asterisk-ari/ari-pbx';
import { parseAriUrl, stasisAppName } from '../pbx/asterisk-ari/ari-url';
import { DialerPbx } from '../pbx/dialer/dialer-pbx';
import { FreeSwitchPbx } from '../pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../pbx/freeswitch-esl/url';
import type { Pbx } from '../pbx/port';
import { SimulatorPbx } from '../pbx/simulator/simulator-pbx';
import type { PromptCatalog } from '../prompts/catalog';
import type { SmsSender } from '../sms/port';
import type { Base } from './base';
import type { Capability } from './capability';
import { trunkLimitsOf, type RoutingCapability } from './routing';
import { smsTemplateFor } from './sms';

export interface PbxDeps {
  clock: Clock;
  logger: Logger;
  catalog: PromptCatalog;
  /** This engine's identity, for drivers that must be unique per engine instance. */
  instanceId?: string | undefined;
}

export interface PbxCapability extends Capability {
  /** Every node of `config.pbx` behind the dialer. */
  pbx: DialerPbx;
  /** The built-in simulators among the nodes (QA routes, simulated screens). */
  simulators: SimulatorPbx[];
}

/** `pbx`, `dialer`, `asterisk`, `freeswitch`, `simulator`. */
export function pbxCapability({ config, clock, logger, catalog, instanceId }: Base): PbxCapability {
  const pbx = buildPbx(config, { clock, logger, catalog, instanceId });
  return {
    name: 'pbx',
    pbx,
    simulators: simulatorsOf(pbx),
    start: () => pbx.start(),
    stop: () => pbx.stop(),
  };
}

/**
 * The channel scripts (call, reverse, sms) and their `calls`, `reverse`, `sms` settings. Calls go
 * through the router when there is one (trunk choice, caller ID, failover); SMS go through the SMS
 * gateways (whose `pbx` kind sends to the dialer).
 */
export function channelRunner({ config, logger, clock, catalog }: Base, pbx: DialerPbx, sms: SmsSender, routing?: RoutingCapability): PbxChannelRunner {
  return new PbxChannelRunner(
    routing ? routing.wrap(pbx) : pbx,
    {
      ringTimeoutMs: config.calls.ringTimeoutSeconds * 1000,
      maxCallMs: config.calls.maxCallSeconds * 1000,
      trunk: config.calls.trunk,
      reverse: config.reverse,
      sms: { template: smsTemplateFor(config, catalog), defaultSender: config.sms.defaultSender },
    },
    logger.child({ component: 'channels' }),
    sms,
    () => clock.now(),
  );
}

/** One PBX node (one driver) from one URL of `config.pbx`. */
export function buildPbxNode(url: string, config: Readonly<Config>, deps: PbxDeps): Pbx {
  if (url === 'simulator') {
    return new SimulatorPbx({
      clock: deps.clock,
      logger: deps.logger.child({ pbx: 'simulator' }),
      speed: config.simulator.speed,
      numbers: config.simulator.numbers,
      trunks: config.simulator.trunks,
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
  const names = pbxNodeNames(config.pbx);
  const nodes = config.pbx.map((url, i) => ({ name: names[i] as string, pbx: buildPbxNode(url, config, deps), maxConcurrent: config.dialer.maxCallsPerNode }));
  return new DialerPbx({
    nodes,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'dialer' }),
    defaultLimits: config.dialer.defaultLimits,
    trunks: trunkLimitsOf(config),
    queueMaxLength: config.dialer.queueMaxLength,
    queueTimeoutMs: config.dialer.queueTimeoutMs,
    healthCheckMs: config.dialer.healthCheckMs,
    downAfterChecks: config.dialer.downAfterChecks,
  });
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
