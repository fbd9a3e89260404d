import type { Config } from '../config/schema';
import type { SmsGatewayConfig } from '../config/sms-schema';
import type { Metrics } from '../metrics/metrics';
import type { Pbx } from '../pbx/port';
import { smsDlrRoutes, type DlrRequest } from '../api/routes/sms-dlr';
import { SmsDispatcher, type DispatchGateway } from '../sms/dispatcher';
import { PbxMessageGateway } from '../sms/pbx-message/pbx-message-gateway';
import { hasCallbacks, type SmsGateway } from '../sms/port';
import { HttpSmsGateway } from '../sms/http/http-gateway';
import { KannelGateway } from '../sms/kannel/kannel-gateway';
import { SmppGateway } from '../sms/smpp/smpp-gateway';
import { renderSmsText } from '../sms/template';
import type { Base } from './base';
import type { Capability } from './capability';

export interface SmsCapability extends Capability {
  /** The SMS channel's way out (failover over the gateways, receipts). */
  sender: SmsDispatcher;
  /** Parts the rendered template needs on the first gateway (request-time SMS_TOO_MANY_PARTS). */
  partsFor(template: string | undefined, code: string, brand: string): number;
  /** The rate deck that prices SMS through a gateway (`smsGateways[].rateDeck`; `sms` for the PBX's SIP MESSAGE). */
  deckOf(gateway: string | undefined): string;
}

/** The SMS price of a deck for a number, in micro-units per part; undefined when no rate prices it. */
export type SmsPrice = (deck: string, to: string) => number | undefined;

export interface SmsDeps {
  pbx: Pbx;
  metrics: Metrics;
  /** SMS prices from the rate decks (the history's); every SMS costs 0 without it. */
  smsPrice?: SmsPrice | undefined;
}

export const DEFAULT_SMS_DECK = 'sms';

/** `sms` (gateway choice, parts, receipts) and `smsGateways`: the SMS gateways, their receipts, the DLR route. */
export function smsCapability({ config, logger }: Base, deps: SmsDeps): SmsCapability {
  const log = logger.child({ component: 'sms' });
  const byName = new Map<string, { gateway: SmsGateway; config: SmsGatewayConfig | undefined }>();
  const names = config.sms.gateways ?? [config.sms.gateway];
  for (const name of names) {
    const gatewayConfig = config.smsGateways.find((g) => g.name === name);
    byName.set(name, { gateway: buildSmsGateway(name, gatewayConfig, config, deps, log), config: gatewayConfig });
  }
  const gateways: DispatchGateway[] = names.map((name) => {
    const entry = byName.get(name) as { gateway: SmsGateway; config: SmsGatewayConfig | undefined };
    const deck = entry.config?.rateDeck ?? DEFAULT_SMS_DECK;
    return { gateway: entry.gateway, concat: entry.config?.concat ?? 'udh8', pricePerPart: (to: string) => (deps.smsPrice?.(deck, to) ?? 0) / 1e6 };
  });
  const sender = new SmsDispatcher({
    gateways,
    maxParts: config.sms.maxParts,
    receiptTimeoutMs: config.sms.receiptTimeoutSeconds * 1000,
    submitTimeoutMs: config.sms.submitTimeoutSeconds * 1000,
    logger: log,
    counters: {
      sent: (gateway, status) => deps.metrics.sms(gateway, status),
      failover: (gateway, reason) => deps.metrics.smsFailover(gateway, reason),
      unmatchedReceipt: (gateway, why) => deps.metrics.smsReceiptIgnored(gateway, why),
    },
  });
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
    partsFor: (template, code, brand) => {
      const { text, codeRanges } = renderSmsText(template ?? config.sms.defaultTemplate, { code, brand });
      return sender.partsFor(text, codeRanges);
    },
    deckOf: (gateway) => (gateway === undefined ? undefined : byName.get(gateway)?.config?.rateDeck) ?? config.smsGateways.find((g) => g.name === names[0])?.rateDeck ?? DEFAULT_SMS_DECK,
    start: () => sender.start(),
    stop: () => sender.stop(),
    routes: [smsDlrRoutes({ accept })],
  };
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
