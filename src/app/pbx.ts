import type { Logger } from 'pino';
import { PbxChannelRunner } from '../channels/runner';
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

/** The channel scripts (call, reverse, sms) over the PBX and the SMS gateways: `calls`, `reverse`, `sms` templates. */
export function channelRunner({ config, logger, clock }: Base, pbx: Pbx, sms: SmsSender): PbxChannelRunner {
  return new PbxChannelRunner(
    pbx,
    {
      ringTimeoutMs: config.calls.ringTimeoutSeconds * 1000,
      maxCallMs: config.calls.maxCallSeconds * 1000,
      trunk: config.calls.trunk,
      reverse: config.reverse,
      sms: { defaultTemplate: config.sms.defaultTemplate, defaultSender: config.sms.defaultSender },
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
