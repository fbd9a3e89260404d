import { z } from 'zod';

/**
 * SMS gateways (docs/sms.md). `sms.gateway` names the gateway used (`pbx`, the PBX's SIP MESSAGE,
 * by default); `sms.gateways` lists several in failover order. Each name other than `pbx` is an
 * entry of `smsGateways`. The routing table can later pick gateways by name per destination.
 */

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 of a-z 0-9 _ - (starting with a letter or digit)');
const concat = z.enum(['udh8', 'udh16', 'payload']);
const common = {
  name,
  /** After a transport failure (HTTP gateways), how long the gateway counts as down and failover skips it. */
  retryDownMs: z.number().int().min(100).max(600000).default(30000),
  /**
   * The rate deck that prices SMS sent through this gateway (`pbxverify rates import --trunk NAME`,
   * its `sms_price` column per prefix; docs/history.md). The one source of SMS prices: an attempt
   * costs parts × the price of the longest matching prefix.
   */
  rateDeck: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -').default('sms'),
  /** How long parts are concatenated: UDH with an 8-bit or 16-bit reference, or SMPP `message_payload`. */
  concat: concat.default('udh8'),
};

/** How the SMSC writes a message id: in submit_sm_resp and in the receipt (`id:` text). */
const idFormat = z.enum(['hex', 'decimal', 'string']);

export const smppGatewaySchema = z.strictObject({
  ...common,
  kind: z.literal('smpp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(2775),
  systemId: z.string().min(1).max(15),
  password: z.string().max(8).default(''),
  systemType: z.string().max(12).default(''),
  /** `transceiver`: one bind sends and receives; `tx-rx`: a transmitter plus a receiver per bind slot. */
  bindMode: z.enum(['transceiver', 'tx-rx']).default('transceiver'),
  /** Sessions (binds) opened to this SMSC; submissions are spread over them. */
  binds: z.number().int().min(1).max(16).default(1),
  /** Outstanding submit_sm (without their response) per bind. */
  window: z.number().int().min(1).max(100).default(10),
  /** submit_sm per second per bind; 0: no cap. */
  maxPerSecond: z.number().min(0).max(10000).default(0),
  enquireLinkSeconds: z.number().int().min(1).max(600).default(30),
  /** Reconnect back-off: doubles from the first delay up to the cap. */
  reconnectMinMs: z.number().int().min(10).max(60000).default(500),
  reconnectMaxMs: z.number().int().min(100).max(600000).default(30000),
  /** Pause of the bind after ESME_RTHROTTLED / ESME_RMSGQFUL before the part is tried again. */
  throttleDelayMs: z.number().int().min(10).max(60000).default(1000),
  /** Seconds to wait for submit_sm_resp before the bind is considered broken. */
  responseTimeoutSeconds: z.number().int().min(1).max(120).default(10),
  ids: z.strictObject({ submit: idFormat.default('string'), receipt: idFormat.default('string') }).prefault({}),
});

export const kannelGatewaySchema = z.strictObject({
  ...common,
  kind: z.literal('kannel'),
  /** smsbox's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms */
  url: z.url(),
  username: z.string().min(1),
  password: z.string().min(1),
  /** Kannel's `smsc` id (which SMSC connection bearerbox uses); any when unset. */
  smsc: z.string().optional(),
  /** Kannel dlr-mask: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected. */
  dlrMask: z.number().int().min(0).max(31).default(19),
  timeoutMs: z.number().int().min(200).max(60000).default(5000),
});

export const httpGatewaySchema = z.strictObject({
  ...common,
  kind: z.literal('http'),
  request: z.strictObject({
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    /** `{to}`, `{from}`, `{text}`, `{dlr_url}`, `{ref}` are replaced (URL-encoded here). */
    url: z.string().min(1),
    headers: z.record(z.string(), z.string()).default({}),
    /** `json`: the body template is JSON with the fields JSON-escaped; `form`: URL-encoded. */
    bodyFormat: z.enum(['json', 'form']).default('json'),
    body: z.string().default(''),
  }),
  /** Dotted path of the message id in the JSON response (`messages.0.id`). */
  responseIdPath: z.string().min(1),
  timeoutMs: z.number().int().min(200).max(60000).default(5000),
  dlr: z
    .object({
      /** Dotted paths in the callback's JSON (or form) body. */
      idPath: z.string().default('id'),
      statusPath: z.string().default('status'),
      reasonPath: z.string().optional(),
      /** Provider status → delivered | failed | accepted; anything else is ignored. */
      statusMap: z.record(z.string(), z.enum(['delivered', 'failed', 'accepted'])).default({ delivered: 'delivered', failed: 'failed', undelivered: 'failed' }),
      /** HMAC-SHA256 of the raw body in this header (hex), with `hmacSecret`; without it the per-message URL token is the check. */
      hmacHeader: z.string().optional(),
      hmacSecret: z.string().min(16).optional(),
    })
    .prefault({}),
});

export const smsGatewaySchema = z.discriminatedUnion('kind', [smppGatewaySchema, kannelGatewaySchema, httpGatewaySchema]);
export type SmsGatewayConfig = z.infer<typeof smsGatewaySchema>;
export type SmppGatewayConfig = z.infer<typeof smppGatewaySchema>;
export type KannelGatewayConfig = z.infer<typeof kannelGatewaySchema>;
export type HttpGatewayConfig = z.infer<typeof httpGatewaySchema>;

/** The gateway-related keys of `sms`. */
export const smsRoutingFields = {
  /** The gateway SMS go through: `pbx` (SIP MESSAGE through the PBX) or a name from `smsGateways`. */
  gateway: name.default('pbx'),
  /** Several gateways in failover order (overrides `gateway`). */
  gateways: z.array(name).min(1).optional(),
  /** A text needing more parts is refused at request time (SMS_TOO_MANY_PARTS). */
  maxParts: z.number().int().min(1).max(10).default(3),
  /** No final receipt within this time: the attempt is `unconfirmed` (sms status `unknown`). */
  receiptTimeoutSeconds: z.number().int().min(1).max(86400).default(120),
  /** Deadline of one submission (window queueing and throttling retries included). */
  submitTimeoutSeconds: z.number().int().min(1).max(300).default(30),
  /** Base URL gateways call back for receipts (Kannel dlr-url, HTTP providers): this engine as they reach it. */
  publicUrl: z.url().optional(),
};
