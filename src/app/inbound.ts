import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Config } from '../config/schema';
import { DEMO_FLASH_RANGE, DEMO_MISSED_CALL_NUMBERS } from '../config/inbound-schema';
import { DidPool } from '../inbound/did-pool';
import { InboundCalls } from '../inbound/inbound-calls';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import { FlashCallerIds, trunkFlashCodes } from '../routing/flash-caller-ids';
import { FlashCodes } from '../routing/flash-codes';
import type { Router } from '../routing/router';
import type { Store } from '../store/port';
import type { Base } from './base';
import type { Capability } from './capability';

export interface InboundCapability extends Capability {
  /** Flash-call caller IDs for the service. */
  flash: FlashCallerIds;
  /** Missed-call DIDs for the service. */
  missedCall: DidPool;
  inbound: InboundCalls;
}

export interface InboundDeps {
  store: Store;
  router: Router;
  /** The PBX whose inbound calls reach the engine (all nodes, through the dialer). */
  pbx: Pbx;
  metrics: Metrics;
  /** Approves a verification by the user's call; bound late (the service is built after this). */
  approve: (id: string, proof: { at: number; attestation?: 'A' | 'B' | 'C' | undefined }) => Promise<boolean>;
}

/** Only the built-in simulator gets the demo pools (docs/verification-channels.md). */
function simulated(config: Readonly<Config>): boolean {
  return config.pbx.every((url) => url === 'simulator');
}

/** The flash caller IDs without explicit routing: `flashCall.callerIdRange` / `callerIds`, else the simulator's demo range. */
export function fallbackFlashCodes(config: Readonly<Config>): FlashCodes | undefined {
  const { callerIdRange, callerIds } = config.flashCall;
  if (callerIdRange !== undefined) return FlashCodes.ofRange(callerIdRange);
  if (callerIds !== undefined) return FlashCodes.ofPool(callerIds);
  return simulated(config) ? FlashCodes.ofRange(DEMO_FLASH_RANGE) : undefined;
}

export function missedCallNumbersOf(config: Readonly<Config>): ReadonlyArray<{ number: string; countries?: readonly string[] | undefined }> {
  if (config.missedCall.numbers.length > 0) return config.missedCall.numbers;
  return simulated(config) ? DEMO_MISSED_CALL_NUMBERS : [];
}

/**
 * `flashCall`, `missedCall`: flash-call caller IDs (pools and ranges of the routes serving
 * `flash_call`, claimed per destination in the store), the missed-call DIDs, and the handler of
 * calls to them (src/inbound/), which listens to the PBX from start to stop.
 */
export function inboundCapability({ config, logger: root, clock }: Base, deps: InboundDeps): InboundCapability {
  const logger = root.child({ component: 'inbound' });
  const problems = flashPoolProblems(config, deps.router);
  if (problems.length) throw new Error(`flash-call pools too small: ${problems.join('; ')}`);
  const flash = new FlashCallerIds(deps.router, deps.store, { minCodes: config.flashCall.minCodes, capMs: config.flashCall.capSeconds * 1000, fallback: fallbackFlashCodes(config) });
  const missedCall = new DidPool(missedCallNumbersOf(config), deps.store, (n) => parsePhoneNumberFromString(n)?.country);
  let listening = false;
  const inbound = new InboundCalls({
    pool: missedCall,
    lineOwner: (line) => deps.store.lineOwner(line),
    approve: (id, proof) => deps.approve(id, proof),
    reject: config.missedCall.reject,
    requireAttestationA: config.missedCall.requireAttestation === 'A',
    count: (result) => deps.metrics.inboundCallsTotal.inc({ result }),
    logger,
    now: () => clock.now(),
  });
  return {
    name: 'inbound',
    flash,
    missedCall,
    inbound,
    async start() {
      listening = true;
      deps.pbx.onInbound?.((call) => {
        if (listening) void inbound.handle(call);
        else void call.reject(config.missedCall.reject);
      });
    },
    async stop() {
      listening = false;
    },
  };
}

/**
 * A flash-call pool must give `flashCall.minCodes` distinct codes of `flashCall.codeLength`
 * digits (fewer are guessable): checked at start for every route naming `flash_call` and for
 * the pool used without explicit routing.
 */
export function flashPoolProblems(config: Readonly<Config>, router: Router): string[] {
  const { codeLength, minCodes } = config.flashCall;
  const problems: string[] = [];
  const check = (where: string, codes: FlashCodes | undefined): void => {
    const capacity = codes?.capacity(codeLength) ?? 0;
    if (codes && capacity < minCodes) problems.push(`${where} gives ${capacity} codes of ${codeLength} digits; flashCall.minCodes is ${minCodes}`);
  };
  for (const route of router.table.routes) {
    const first = route.ordered[0];
    if (route.channels?.has('flash_call') && first) check(`route "${route.name}" (trunk "${first.name}")`, trunkFlashCodes(first));
  }
  check('flashCall.callerIds / callerIdRange', fallbackFlashCodes(config));
  return problems;
}
