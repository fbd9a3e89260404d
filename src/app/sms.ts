import type { Config } from '../config/schema';
import type { RoutePricing } from '../history/max-cost';
import type { SmsGatewayConfig } from '../config/sms-schema';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import type { Router } from '../routing/router';
import { smsDlrRoutes, type DlrRequest } from '../api/routes/sms-dlr';
import { SmsDispatcher, type DispatchGateway, type SmsRouteChoice } from '../sms/dispatcher';
import { PbxMessageGateway } from '../sms/pbx-message/pbx-message-gateway';
import { hasCallbacks, type SmsGateway, type SmsMessageIndex, type SmsReceiptRelay } from '../sms/port';
import { HttpSmsGateway } from '../sms/http/http-gateway';
import { KannelGateway } from '../sms/kannel/kannel-gateway';
import { SmppGateway } from '../sms/smpp/smpp-gateway';
import { renderSmsText } from '../sms/template';
import type { Base } from './base';
import type { Capability } from './capability';

/** The built-in default SMS text, code first (a truncated preview still shows it). */
export const DEFAULT_SMS_TEMPLATE = '{code} is your {brand} verification code';

/**
 * The SMS text of a verification without its own template: `sms.defaultTemplate` when configured,
 * else the language pack's `sms` text (code first), else {@link DEFAULT_SMS_TEMPLATE}.
 */
export function smsTemplateFor(config: Readonly<Config>, catalog: Pick<Base['catalog'], 'smsTemplate'>): (lang: string) => string {
  const configured = config.sms.defaultTemplate;
  return (lang) => configured ?? catalog.smsTemplate(lang) ?? DEFAULT_SMS_TEMPLATE;
}

export interface SmsCapability extends Capability {
  /** The SMS channel's way out (failover over the gateways, receipts). */
  sender: SmsDispatcher;
  /** Parts the rendered template needs on the first gateway (request-time SMS_TOO_MANY_PARTS). */
  partsFor(template: string | undefined, code: string, brand: string, lang: string, to?: string): number;
  /** The rate deck that prices SMS through a gateway (`smsGateways[].rateDeck`; `sms` for the PBX's SIP MESSAGE). */
  deckOf(gateway: string | undefined): string;
  /**
   * How an SMS to `to` would be priced (the `maxCost` policy): the decks of the gateway the send
   * would use now (the SMS route's, else `sms.gateway(s)`), and the SMS route's `maxCost`.
   * Undefined: no route serves `to` (NO_ROUTE).
   */
  pricing(to: string): RoutePricing | undefined;
}

/** The SMS price of a deck for a number, in micro-units per part; undefined when no rate prices it. */
export type SmsPrice = (deck: string, to: string) => number | undefined;

export interface SmsDeps {
  pbx: Pbx;
  metrics: Metrics;
  /** SMS prices from the rate decks (the history's); every SMS costs 0 without it. */
  smsPrice?: SmsPrice | undefined;
  /** The route table: routes with channel `sms` choose the gateways per destination. */
  router?: Router | undefined;
  /** The store: message id → sending engine, so receipts are matched on any engine. */
  index?: SmsMessageIndex | undefined;
  /** Other engines on the store (Redis): receipts are forwarded to the engine that sent the message. */
  relay?: SmsReceiptRelay | undefined;
}

export const DEFAULT_SMS_DECK = 'sms';

/** `sms` (gateway choice, parts, receipts) and `smsGateways`: the SMS gateways, their receipts, the DLR route. */
export function smsCapability({ config, logger, clock, catalog }: Base, deps: SmsDeps): SmsCapability {
  const templateFor = smsTemplateFor(config, catalog);
  const log = logger.child({ component: 'sms' });
  const names = config.sms.gateways ?? [config.sms.gateway];
  // Every configured gateway (and `pbx`) is built: routes may name any of them, also after a
  // routing reload; the ones of sms.gateway(s) serve SMS when no route names gateways.
  const built = new Set([...names, 'pbx', ...config.smsGateways.map((g) => g.name)]);
  const byName = new Map<string, DispatchGateway>();
  for (const name of built) {
    const gatewayConfig = config.smsGateways.find((g) => g.name === name);
    const gateway = buildSmsGateway(name, gatewayConfig, config, deps, log);
    const deck = gatewayConfig?.rateDeck ?? DEFAULT_SMS_DECK;
    byName.set(name, { gateway, concat: gatewayConfig?.concat ?? 'udh8', pricePerPart: (to: string) => (deps.smsPrice?.(deck, to) ?? 0) / 1e6 });
  }
  const router = deps.router;
  const sender = new SmsDispatcher({
    gateways: names.map((name) => byName.get(name) as DispatchGateway),
    byName,
    ...(router ? { route: (to: string) => smsGatewaysOf(router.decideSms(to)) } : {}),
    maxParts: config.sms.maxParts,
    receiptTimeoutMs: config.sms.receiptTimeoutSeconds * 1000,
    submitTimeoutMs: config.sms.submitTimeoutSeconds * 1000,
    now: () => clock.now(),
    index: deps.index,
    relay: deps.relay,
    logger: log,
    counters: {
      sent: (gateway, status) => deps.metrics.sms(gateway, status),
      failover: (gateway, reason) => deps.metrics.smsFailover(gateway, reason),
      unmatchedReceipt: (gateway, why) => deps.metrics.smsReceiptIgnored(gateway, why),
    },
  });
  const deckOf = (gateway: string | undefined): string => config.smsGateways.find((g) => g.name === (gateway ?? names[0]))?.rateDeck ?? DEFAULT_SMS_DECK;
  const accept = (name: string, request: DlrRequest): void => {
    const gateway = byName.get(name)?.gateway;
    if (!gateway || !hasCallbacks(gateway)) return sender.unmatched(name.slice(0, 32), 'no such gateway');
    const verdict = gateway.acceptCallback(request);
    if ('forged' in verdict) return sender.unmatched(name, verdict.forged);
    sender.receipt(verdict);
  };
  return {
    name: 'sms',
    sender,
    partsFor: (template, code, brand, lang, to) => {
      const { text, codeRanges } = renderSmsText(template ?? templateFor(lang), { code, brand });
      return sender.partsFor(text, codeRanges, to);
    },
    deckOf,
    pricing(to) {
      const gateways = sender.sendingGateways(to);
      if (gateways === undefined) return undefined;
      const decision = router?.decideSms(to);
      return { decks: gateways.map((g) => deckOf(g.gateway.name)), maxCostMicros: typeof decision === 'object' ? decision.route.maxCostMicros : undefined };
    },
    start: () => sender.start(),
    stop: () => sender.stop(),
    routes: [smsDlrRoutes({ accept })],
  };
}

function smsGatewaysOf(decision: ReturnType<Router['decideSms']>): SmsRouteChoice | 'unrouted' | undefined {
  return decision === 'unrouted' || decision === undefined ? decision : { gateways: decision.gateways, drawn: decision.drawn };
}

/** One gateway from its configuration (`pbx` has none: the PBX's SIP MESSAGE). */
function buildSmsGateway(name: string, gateway: SmsGatewayConfig | undefined, config: Readonly<Config>, deps: SmsDeps, log: Base['logger']): SmsGateway {
  if (gateway === undefined) return new PbxMessageGateway(deps.pbx, name);
  const logger = log.child({ gateway: name, kind: gateway.kind });
  switch (gateway.kind) {
    case 'smpp':
      return new SmppGateway(
        {
          ...gateway,
          enquireLinkMs: gateway.enquireLinkSeconds * 1000,
          responseTimeoutMs: gateway.responseTimeoutSeconds * 1000,
        },
        logger,
      );
    case 'kannel':
      return new KannelGateway(
        { ...gateway, publicUrl: config.sms.publicUrl ?? '', tokenTtlMs: config.sms.receiptTimeoutSeconds * 2000 },
        logger,
      );
    case 'http':
      return new HttpSmsGateway(
        { ...gateway, publicUrl: config.sms.publicUrl ?? '', tokenTtlMs: config.sms.receiptTimeoutSeconds * 2000 },
        logger,
      );
  }
}
