import type { SmsPlan } from './segment';
import type { SenderKind } from './sender';

/**
 * The SmsGateway port: one way out to the operator's SMS centre (the PBX's SIP MESSAGE, an SMPP
 * SMSC, Kannel, an HTTP provider). Adapters live beside it: pbx-message/, smpp/, kannel/, http/.
 * No protocol type (PDU, HTTP response) crosses this port.
 */

/** What an adapter is asked to send: the text already rendered, validated and planned. */
export interface SmsSubmit {
  to: string;
  from: string;
  senderKind: SenderKind;
  text: string;
  plan: SmsPlan;
  /** Ask for delivery receipts. */
  receipt: boolean;
  /** Correlation tag for logs (`<verification>-<attempt>`). */
  tag: string;
}

/**
 * Why a message failed, as a stable short string: `invalid-destination`, `invalid-source`,
 * `rejected`, `throttled`, `unavailable`, `timeout`, `undeliverable`, `expired`, `unknown-error`…
 * (docs/sms.md has the table per gateway kind).
 */
export type SmsFailureReason = string;

export type SubmitResult =
  | {
      ok: true;
      /** Gateway message id of every part, in order (one id when the gateway takes the whole text). */
      ids: string[];
      /** Whether receipts will come for these ids (false: the gateway never sends any). */
      receipts: boolean;
      /** The per-message callback token (Kannel, HTTP), kept with the ids so any engine can check a receipt. */
      token?: string;
    }
  | {
      ok: false;
      reason: SmsFailureReason;
      /** True when another gateway would fail the same way (bad number, bad sender): no failover. */
      permanent: boolean;
      detail?: string;
    };

/** A delivery receipt for one message id of one gateway. */
export interface SmsReceipt {
  gateway: string;
  id: string;
  /** `accepted` is an intermediate receipt (SMSC took it); the others are final. */
  status: 'delivered' | 'failed' | 'accepted';
  /** Stable reason of a failure (`undeliverable`, `expired`, `rejected`, `deleted`, `unknown`). */
  reason?: SmsFailureReason;
  /** The network error code the receipt carried, if any (never a number from the message). */
  err?: string;
  /**
   * Set by an HTTP-callback gateway that did not send this message itself (another engine did):
   * the receipt is applied only if the message index knows `(gateway, id)` — with this token,
   * when one is given — and it is refused as forged otherwise.
   */
  unverified?: { token: string | undefined };
}

/** Who sent an SMS message: kept in the store so a receipt reaching any engine finds its attempt. */
export interface SmsMessageRef {
  /** The engine instance whose attempt waits for the receipt. */
  owner: string;
  /** The attempt (`<verification>-<attempt>`, src/pbx/port.ts attemptTag). */
  tag: string;
  /** The message's callback token (Kannel, HTTP gateways). */
  token?: string;
}

/** message id → sender, per gateway (the Store implements it: memory, Redis). */
export interface SmsMessageIndex {
  /** Records who sent `(gateway, id)`, for `ttlMs`. */
  putSmsMessage(gateway: string, id: string, ref: SmsMessageRef, ttlMs: number): Promise<void>;
  getSmsMessage(gateway: string, id: string): Promise<SmsMessageRef | undefined>;
  deleteSmsMessage(gateway: string, id: string): Promise<void>;
}

/** Hands receipts to the engine that sent the message (Redis pub/sub between engines). */
export interface SmsReceiptRelay {
  readonly instanceId: string;
  /** Sends `receipt` to `instance`. Never rejects. */
  forwardSmsReceipt(instance: string, receipt: SmsReceipt): Promise<void>;
  /** Receives the receipts other engines forward here. */
  onSmsReceipt(listener: (receipt: SmsReceipt) => void): void;
}

export interface SubmitOptions {
  signal: AbortSignal;
  /** Covers the whole submission (queueing for the window, throttling retries). */
  timeoutMs: number;
}

export interface SmsGatewayHealth {
  ready: boolean;
  detail: string;
}

export interface SmsGateway {
  /** The configured name (`pbx`, `op-smpp`…), used by `sms.gateways` and the DLR route. */
  readonly name: string;
  readonly kind: 'pbx' | 'smpp' | 'kannel' | 'http';
  /** Submits every part; resolves once all are accepted or one failed. Never rejects. */
  submit(msg: SmsSubmit, opts: SubmitOptions): Promise<SubmitResult>;
  /** Registers the receiver of this gateway's delivery receipts (one receiver). */
  onReceipt(listener: (receipt: SmsReceipt) => void): void;
  health(): SmsGatewayHealth;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Gateways whose receipts arrive as HTTP callbacks (Kannel's dlr-url, HTTP providers' webhooks). */
export interface DlrCallback {
  /** Path token from the callback URL, or undefined when the gateway posts to the bare route. */
  token: string | undefined;
  query: Record<string, string>;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
}

export interface HttpReceiptGateway extends SmsGateway {
  /**
   * Checks and maps a callback. Returns the receipt, or `{forged: reason}` when the token or
   * signature is wrong or the message is unknown: the route answers 200 and changes nothing.
   */
  acceptCallback(cb: DlrCallback): SmsReceipt | { forged: string };
}

export function hasCallbacks(gateway: SmsGateway): gateway is HttpReceiptGateway {
  return typeof (gateway as Partial<HttpReceiptGateway>).acceptCallback === 'function';
}

/** An SMS attempt's delivery, as the attempt record, webhooks and history carry it. */
export interface SmsDelivery {
  /** Gateway name (`pbx` for SIP MESSAGE through the PBX). */
  gateway: string;
  /**
   * `submitted`: accepted by the gateway, no final receipt (yet, or ever for `pbx`);
   * `delivered` / `failed`: the final receipt; `unknown`: no receipt within `sms.receiptTimeoutSeconds`.
   */
  status: 'submitted' | 'delivered' | 'failed' | 'unknown';
  parts: number;
  encoding: 'gsm7' | 'ucs2';
  /** parts × the SMS price per part of the gateway's rate deck (`smsGateways[].rateDeck`); 0 when no rate prices it. */
  cost: number;
  reason?: SmsFailureReason;
}

/** What the SMS channel asks for: the template is rendered by the sender, so it knows where the code is. */
export interface SmsSendRequest {
  to: string;
  from: string;
  template: string;
  code: string;
  brand: string;
  appHash?: string | undefined;
  tag: string;
}

export interface SmsSendOptions {
  signal: AbortSignal;
  /** Called once the gateway accepted every part, before receipts are awaited. */
  onSubmitted?: (delivery: SmsDelivery) => void;
}

export type SmsOutcome =
  | (SmsDelivery & {
      ids: string[];
      /** True when the workflow should move to its next step now (a failure receipt). */
      advance: boolean;
      detail?: string;
    })
  | { status: 'failed'; reason: SmsFailureReason; parts: number; gateway?: string; advance: true; detail?: string };

/** The SMS channel's way out (src/sms/dispatcher.ts): failover over the gateways, receipts. Never rejects. */
export interface SmsSender {
  send(req: SmsSendRequest, opts: SmsSendOptions): Promise<SmsOutcome>;
}
