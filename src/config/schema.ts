import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { brandSchema, plainText, senderSchema, templateSchema } from '../lib/sms-text-schema';
import { abuseSchema, keyQuotaSchema } from './abuse-schema';
import { smsGatewaySchema, smsRoutingFields } from './sms-schema';
import { consoleSchema } from './console-schema';
import { fraudGuardSchema } from './fraud-schema';
import { historySchema } from './history-schema';
import { flashCallSchema, missedCallSchema } from './inbound-schema';
import { routeSchema, routingSettingsSchema, trunkSchema } from './routing-schema';
import { LEAD_IN } from '../prompts/sequence';

/**
 * The one configuration schema. Loaded from a YAML/JSON file and the environment
 * (see load.ts), validated once, frozen. Nothing outside src/config reads process.env.
 */

export const CHANNELS = ['call', 'reverse', 'sms', 'flash_call', 'missed_call'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/**
 * Answering-machine detection on voice and reverse calls (docs/amd.md): `off` changes nothing;
 * `hangup` ends the attempt on a machine with result `machine`, nothing spoken; `wait_for_beep`
 * waits for the beep and leaves a short message without the code.
 */
export const AMD_MODES = ['off', 'hangup', 'wait_for_beep'] as const;
export type AmdMode = (typeof AMD_MODES)[number];

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442037691880');

/** Caller IDs: E.164 or bare digits (how seed 000 writes them: "442037691880"). */
const callerId = z.string().regex(/^\+?[1-9]\d{3,14}$/, 'must be a phone number (digits, optional leading +)');

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR range such as 127.0.0.0/8 or ::1/128');

export const apiKeySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -'),
  secret: z.string().min(16, 'must be at least 16 characters'),
  /** Display name for logs and `keys list`. */
  name: plainText(100).optional(),
  disabled: z.boolean().default(false),
  /** Numbers this key may call from (seed 000: only the operator's own numbers). Empty: the default caller ID only. */
  allowedCallerIds: z.array(callerId).default([]),
  /** SMS senders this key may use; empty: any sender of the grammar (src/lib/sms-text.ts). */
  allowedSenders: z.array(senderSchema).default([]),
  defaultLang: z.string().optional(),
  allowedChannels: z.array(z.enum(CHANNELS)).default([...CHANNELS]),
  /** May the caller supply its own code (seed 000, seed 002)? */
  allowCustomCode: z.boolean().default(false),
  /** A new request for a number with a pending verification replaces it (instead of 409). */
  replaceActive: z.boolean().default(false),
  /** Ask the callee to press a digit before the code is spoken (anti-voicemail). */
  voiceGate: z.boolean().default(false),
  /**
   * Silence between answer and the first prompt of this key's calls, in ms (0-2000, whole 20 ms
   * frames); a request's `lead_in_ms` overrides it. Absent: the engine's measured default
   * (docs/prompts.md, "Lead-in").
   */
  leadInMs: z
    .number()
    .int()
    .min(LEAD_IN.minMs)
    .max(LEAD_IN.maxMs)
    .refine((ms) => ms % LEAD_IN.stepMs === 0, `must be a multiple of ${LEAD_IN.stepMs}`)
    .optional(),
  /** Answering-machine detection on this key's calls (docs/amd.md); a request or workflow step may override it. */
  amd: z.enum(AMD_MODES).default('off'),
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Standard Webhooks secret (`whsec_` + base64). Derived from the engine secret when absent. */
  webhookSecret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'must be whsec_ followed by base64 (at least 18 bytes)')
    .optional(),
  brand: brandSchema.optional(),
  /** Country of national-format numbers this key sends (99 Digital's `to`, e.g. IL). */
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO country code such as IL')
    .refine((c) => isSupportedCountry(c), 'is not a country libphonenumber knows')
    .optional(),
  /** This key's quotas, overriding `abuse.keyQuota` (null: unlimited). */
  quota: keyQuotaSchema.optional(),
  /** May manage the do-not-call list (/v1/admin/do-not-call); may read history and reports. */
  admin: z.boolean().optional(),
  /** May read the history and reports of every key (GET /v1/verifications, /v1/reports/*), nothing else of admin. */
  reports: z.boolean().optional(),
  /**
   * Refuse destinations whose expected cost per attempt (rate decks, docs/history.md "maxCost")
   * exceeds this, in the decks' currency (e.g. 0.25). Absent: no limit.
   */
  maxCost: z.number().min(0).max(1_000_000).optional(),
});
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

const workflowStepSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  waitSeconds: z.number().int().min(0).max(3600),
  code: z.enum(['same', 'new']),
  validitySeconds: z.number().int().min(30).max(3600).optional(),
  /** Answering-machine detection for this step's call, over the request's and the key's. */
  amd: z.enum(AMD_MODES).optional(),
});

const trunkName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -');

/** A carrier's limits on one trunk (they enforce both). */
const trunkLimitsSchema = z.strictObject({
  /** Call attempts per second; fractions allowed (0.5 = one every 2 s). */
  cps: z.number().positive().max(1000),
  /** Calls in progress at once (dialling or answered). */
  maxConcurrent: z.number().int().min(1).max(100_000),
});

export const configSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bind address: loopback unless configured (`0.0.0.0` or an interface address to serve a network). */
  host: z.string().min(1).default('127.0.0.1'),
  /** NODE_ENV=production: development conveniences (the development key) are refused. */
  production: z.boolean().default(false),
  /**
   * Where the development key (made when no key is configured) is written, mode 0600, when no
   * terminal shows its banner. Relative to the working directory.
   */
  devKeyFile: z.string().min(1).default('data/dev-key.txt'),
  /** HTTP server deadlines against slow clients (slowloris); see docs/security.md. */
  http: z
    .object({
      /** The request headers must have arrived this long after the request began. */
      headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
      /** The whole request, headers and body, must have arrived this long after it began. */
      requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
      /** A connection that sends nothing at all for this long is closed. */
      connectionTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
      /** An idle keep-alive connection is closed after this. */
      keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
      /** How often the header and request deadlines are checked (Node's connectionsCheckingInterval). */
      timeoutCheckIntervalMs: z.number().int().min(50).max(60_000).default(1_000),
    })
    .prefault({})
    .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs', path: ['headersTimeoutMs'] }),
  /** Who may read the Prometheus metrics (docs/operations.md, "Metrics"). */
  metrics: z
    .object({
      /** When set, /metrics (on every listener) requires `Authorization: Bearer <token>`. */
      token: z.string().min(16, 'must be at least 16 characters').optional(),
      /** A listener of its own for /metrics; the API port then no longer serves it. */
      port: z.coerce.number().int().min(0).max(65535).optional(),
      /** Bind address of that listener. */
      host: z.string().min(1).default('127.0.0.1'),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Pretty, human-readable logs (development); JSON lines otherwise. */
  logPretty: z.boolean().default(false),
  /** HMAC key for codes, sealing key and webhook-secret derivation. Random per process when absent. */
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * `memory` (embedded, default), `redis://host:port/db`, `rediss://…` (TLS), or Redis Sentinel:
   * `redis-sentinel://host:port[,host:port…]/db?name=<primary>` (`rediss-sentinel://` with TLS).
   */
  store: z
    .string()
    .regex(/^(memory|rediss?(-sentinel)?:\/\/.+)$/, 'must be "memory", a redis:// or rediss:// URL, or a redis-sentinel:// URL')
    .refine((s) => !/^rediss?-sentinel:/.test(s) || /[?&]name=[^&]+/.test(s), 'a redis-sentinel:// URL needs ?name=<the primary the sentinels monitor>')
    .default('memory'),
  /**
   * Redis Sentinel, as a block: the `store` URL (`redis://[user:password@]<primary name>/db`) then
   * names the primary the sentinels monitor and gives the data nodes' credentials (docs/scale-out.md).
   */
  sentinels: z
    .strictObject({
      nodes: z
        .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'must be host:port'))
        .min(1),
      /** The sentinels' own password (`requirepass` in sentinel.conf). */
      password: z.string().min(1).optional(),
      /** TLS to the sentinels as well. */
      tls: z.boolean().default(false),
    })
    .optional(),
  /** `simulator` (default), or one or more `ari://user:pass@host:8088/app` / `esl://:password@host:8021` URLs. */
  pbx: z
    .array(z.string().regex(/^(simulator|aris?:\/\/.+|esl:\/\/.+)$/, 'must be "simulator", ari://… or esl://…'))
    .min(1)
    .default(['simulator']),
  apiKeys: z.array(apiKeySchema).default([]),
  verification: z
    .strictObject({
      codeLength: z.number().int().min(4).max(10).default(6),
      expirySeconds: z.number().int().min(60).max(3600).default(600),
      maxCheckAttempts: z.number().int().min(1).max(20).default(5),
      /** How long finished verifications stay readable (status, check-by-number answers). */
      retentionSeconds: z.number().int().min(60).max(30 * 86400).default(86400),
      defaultLang: z.string().default('en'),
    })
    .prefault({}),
  workflows: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/), z.array(workflowStepSchema).min(1).max(10)).default({}),
  /**
   * The dialer in front of the PBX nodes (every URL in `pbx`): per-trunk limits, a bounded
   * queue, health checks and failover. Limits count per engine instance (docs/scale-out.md).
   */
  dialer: z
    .strictObject({
      /** Limits of trunks not listed in `trunks`, and of calls without a trunk. */
      defaultLimits: trunkLimitsSchema.default({ cps: 10, maxConcurrent: 100 }),
      trunks: z.record(trunkName, trunkLimitsSchema).default({}),
      /** Calls that may wait for a slot at once; more fail at once with `dialer queue full`. */
      queueMaxLength: z.number().int().min(0).max(100_000).default(500),
      /** Longest wait for a slot before the call fails with `dialer queue timeout`. */
      queueTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
      /** Calls one PBX node may carry at once (its channel capacity); unlimited when absent. */
      maxCallsPerNode: z.number().int().min(1).max(100_000).optional(),
      healthCheckMs: z.number().int().min(50).max(60_000).default(1_000),
      /** Failed health checks in a row before a node is taken out and its calls are ended. */
      downAfterChecks: z.number().int().min(1).max(60).default(3),
    })
    .prefault({}),
  /** Several engines on one Redis store (ignored with the memory store). Real time, never the test clock. */
  scaleOut: z
    .strictObject({
      /** How often an engine renews its presence in Redis. */
      heartbeatMs: z.number().int().min(100).max(60_000).default(2_000),
      /** An engine silent this long is taken for dead: its running attempts are finished by the others. */
      instanceTtlMs: z.number().int().min(300).max(600_000).default(10_000),
      /** How often an engine looks for attempts of dead engines and re-checks the calls it runs. */
      sweepMs: z.number().int().min(50).max(60_000).default(2_000),
    })
    .prefault({})
    .refine((s) => s.instanceTtlMs >= 2 * s.heartbeatMs, { message: 'instanceTtlMs must be at least twice heartbeatMs', path: ['instanceTtlMs'] }),
  /** Carrier trunks: dial templates, number format, caps, caller-ID pool (docs/routing.md). */
  trunks: z.array(trunkSchema).default([]),
  /** Ordered routes: which trunks (in failover order) and which caller ID serve a destination. */
  routes: z.array(routeSchema).default([]),
  /** Sticky caller-ID window, trunk breaker, cluster-wide slot leases. */
  routing: routingSettingsSchema,
  calls: z
    .strictObject({
      ringTimeoutSeconds: z.number().int().min(5).max(120).default(30),
      defaultCallerId: callerId.optional(),
      trunk: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
      /** Whole-call cap: a call script never runs longer than this. */
      maxCallSeconds: z.number().int().min(30).max(900).default(180),
    })
    .prefault({}),
  reverse: z
    .strictObject({
      maxTries: z.number().int().min(1).max(5).default(3),
      firstDigitTimeoutMs: z.number().int().min(1000).max(60000).default(10000),
      interDigitTimeoutMs: z.number().int().min(500).max(30000).default(5000),
      totalTimeoutMs: z.number().int().min(5000).max(120000).default(45000),
    })
    .prefault({}),
  sms: z
    .strictObject({
      // One grammar with the API and both drivers (src/lib/sms-text.ts): a default the PBX
      // cannot send is refused at start-up, not at the first SMS.
      defaultSender: senderSchema.default('pbxverify'),
      // Unset: the language pack's SMS text (sounds/<lang>/manifest.json `sms`, code first), else
      // DEFAULT_SMS_TEMPLATE (src/app/sms.ts). Set: this one text for every language.
      defaultTemplate: templateSchema.optional(),
      defaultBrand: brandSchema.default('pbxverify'),
      ...smsRoutingFields,
    })
    .prefault({}),
  /** SMS gateways beside the PBX (src/config/sms-schema.ts, docs/sms.md). */
  smsGateways: z.array(smsGatewaySchema).default([]),
  webhooks: z
    .strictObject({
      /** CIDR ranges callback URLs may resolve to although private/loopback (refused by default). */
      allowNetworks: z.array(cidr).default([]),
      /** Give up on a delivery this long after the event. */
      maxAgeSeconds: z.number().int().min(60).max(7 * 86400).default(86400),
      timeoutMs: z.number().int().min(500).max(60000).default(10000),
      concurrency: z.number().int().min(1).max(256).default(16),
      pollMs: z.number().int().min(10).max(10000).default(250),
    })
    .prefault({}),
  /** Asterisk ARI driver settings (used when `pbx` is an ari:// URL). See docs/asterisk.md. */
  asterisk: z
    .strictObject({
      /**
       * Dial string template: `{number}` is the E.164 number with `+`, `{digits}` without it,
       * `{trunk}` the call's trunk (`calls.trunk` by default). `Local/{number}@qa` dials the QA callees.
       */
      endpointTemplate: z
        .string()
        .regex(/^[A-Za-z0-9_./@{}+-]{3,120}$/, 'must be a dial string template such as PJSIP/{number}@{trunk}')
        .refine((t) => t.includes('{number}') || t.includes('{digits}'), 'must contain {number} or {digits}')
        .default('PJSIP/{number}@{trunk}'),
      /**
       * SIP MESSAGE destination for SMS through `endpoints/sendMessage`, e.g.
       * `pjsip:{trunk}/sip:{number}@sip.provider.example`. SMS is refused as unsupported when unset.
       */
      messageTemplate: z
        .string()
        .regex(/^pjsip:[A-Za-z0-9_./@{}:+-]{1,160}$/, 'must be a pjsip: destination template such as pjsip:{trunk}/sip:{number}@host')
        .optional(),
      /** Deadline of every ARI REST call except originate. */
      restTimeoutMs: z.number().int().min(200).max(60000).default(5000),
      /** Deadline of the originate REST call itself (ringing is covered by the ring timeout). */
      originateTimeoutMs: z.number().int().min(500).max(60000).default(10000),
      /** First reconnect delay and the cap of the exponential backoff (attempts never stop). */
      reconnectBaseMs: z.number().int().min(10).max(10000).default(250),
      reconnectMaxMs: z.number().int().min(100).max(300000).default(10000),
      /** WebSocket keep-alive ping period; a missed pong drops and reconnects the socket. */
      pingIntervalMs: z.number().int().min(100).max(120000).default(15000),
      /** How long the PBX may stay away before in-flight attempts and calls are failed. */
      lostCallsAfterMs: z.number().int().min(100).max(600000).default(20000),
      /** How long start-up waits for an unreachable ARI before giving up with an error. */
      startTimeoutMs: z.number().int().min(0).max(600000).default(30000),
      /** Stasis app suffix of this engine instance; random per process when absent. */
      instanceSuffix: z.string().regex(/^[A-Za-z0-9_-]{1,24}$/).optional(),
    })
    .prefault({}),
  simulator: z
    .strictObject({
      /** Time compression of simulated calls: 1 = real time, 10 = ten times faster. */
      speed: z.coerce.number().min(0.1).max(1000).default(1),
      /** Extra or overriding test numbers: E.164 → behaviour name. */
      numbers: z.record(e164, z.string()).default({}),
      /** Per-trunk behaviour: a routed call on this trunk ends as this behaviour's dial outcome (`congestion` refuses with 503). */
      trunks: z.record(trunkName, z.string()).default({}),
    })
    .prefault({}),
  /** The FreeSWITCH driver (`pbx: esl://:password@host:8021`). */
  freeswitch: z
    .strictObject({
      /** Dial string template: {trunk} (calls.trunk), {number} (E.164 with +), {digits} (without +). */
      dialString: z
        .string()
        .regex(/^[A-Za-z0-9_.+@:/;=%{}-]+$/, 'may only contain letters, digits, {trunk} {number} {digits} and _ . + @ : / ; = % -')
        .refine((s) => s.includes('{number}') || s.includes('{digits}'), 'must contain {number} or {digits}')
        .default('sofia/gateway/{trunk}/{number}'),
      /** Sounds directory on the FreeSWITCH host: prompts are played from <soundsDir>/pbxverify/<lang>/<id>.wav. */
      soundsDir: z
        .string()
        .regex(/^\/[A-Za-z0-9_./-]*$/, 'must be an absolute path of letters, digits and _ . / -')
        .default('/usr/share/freeswitch/sounds'),
      /** SIP MESSAGE destination for SMS through the `chat` API, e.g. `external/sip:{number}@sms.example.net`. SMS is off without it. */
      chatTo: z
        .string()
        .regex(/^[A-Za-z0-9_.+@:/;=%{}-]+$/, 'may only contain letters, digits, {trunk} {number} {digits} and _ . + @ : / ; = % -')
        .optional(),
      /** Deadline of every event-socket command (the esl client's defaults are 1 s for execute and 9 h for api). */
      commandTimeoutMs: z.number().int().min(200).max(60000).default(5000),
      /** Deadline of the first connection at start-up (and of each reconnect attempt). */
      connectTimeoutMs: z.number().int().min(500).max(120000).default(10000),
      /** Cap of the reconnect back-off after the event socket dropped. */
      reconnectMaxDelayMs: z.number().int().min(200).max(300000).default(10000),
      /** Idle probe (`api status`); a probe without reply drops the link and reconnects. */
      keepaliveMs: z.number().int().min(1000).max(600000).default(15000),
    })
    .prefault({}),
  scheduler: z
    .strictObject({
      pollMs: z.number().int().min(10).max(10000).default(250),
    })
    .prefault({}),
  /** Flash calls: the code is the caller ID's last digits (docs/verification-channels.md). */
  flashCall: flashCallSchema,
  /** Missed-call verification: the user calls one of these DIDs (docs/verification-channels.md). */
  missedCall: missedCallSchema,
  /** Abuse controls: flood limits, quotas, destination lists, do-not-call (src/config/abuse-schema.ts). */
  abuse: abuseSchema,
  /** Verification history, CDRs and reports (docs/history.md). */
  history: historySchema,
  /** The operator console at /console (docs/console.md). */
  console: consoleSchema,
  /** Blocks destination prefixes whose conversion collapsed under high volume (docs/history.md "Fraud guard"). */
  fraudGuard: fraudGuardSchema,
  testing: z
    .strictObject({
      /** Manual clock driven by POST /v1/test/clock (tests only; never in production). */
      manualClock: z.boolean().default(false),
      /**
       * Where the manual clock starts (epoch ms; default: the real time at start-up). Several
       * engines in one test start at the same instant and are advanced together by the test.
       */
      clockStartMs: z.number().int().positive().optional(),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type WorkflowStepConfig = z.infer<typeof workflowStepSchema>;
