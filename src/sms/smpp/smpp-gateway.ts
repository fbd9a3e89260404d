import type { Logger } from 'pino';
import type { SmsGateway, SmsGatewayHealth, SmsReceipt, SmsSubmit, SubmitOptions, SubmitResult } from '../port';
import { encodeText } from '../encoding';
import { senderTonNpi } from '../sender';
import { SmppBind, type BindSettings } from './bind';
import { canonicalId, parseReceipt, submitRefusal, type IdFormat } from './receipt';
import { STATUS, type Pdu } from './smpp-lib';

export interface SmppGatewaySettings extends BindSettings {
  name: string;
  bindMode: 'transceiver' | 'tx-rx';
  binds: number;
  concat: 'udh8' | 'udh16' | 'payload';
  throttleDelayMs: number;
  ids: { submit: IdFormat; receipt: IdFormat };
}

/**
 * SMPP 3.4 client gateway (the `smpp` package, docs/sms.md): several binds, submit_sm per part
 * with `registered_delivery`, receipts from deliver_sm. A part whose session dropped before its
 * response is submitted again on the next bind; throttling pauses the bind and retries; a
 * permanent refusal fails the message with a stable reason.
 */
export class SmppGateway implements SmsGateway {
  readonly kind = 'smpp' as const;
  readonly name: string;
  private readonly senders: SmppBind[] = [];
  private readonly receivers: SmppBind[] = [];
  private listener: ((receipt: SmsReceipt) => void) | undefined;
  private readonly bindWaiters = new Set<() => void>();

  constructor(
    private readonly settings: SmppGatewaySettings,
    private readonly logger: Logger,
  ) {
    this.name = settings.name;
    const onBound = (): void => {
      for (const wake of [...this.bindWaiters]) wake();
    };
    const onDeliver = (pdu: Pdu): void => this.deliver(pdu);
    for (let i = 0; i < settings.binds; i++) {
      const log = logger.child({ bind: i });
      if (settings.bindMode === 'transceiver') {
        this.senders.push(new SmppBind('transceiver', settings, log, onDeliver, onBound));
      } else {
        this.senders.push(new SmppBind('transmitter', settings, log, onDeliver, onBound));
        this.receivers.push(new SmppBind('receiver', settings, log, onDeliver, onBound));
      }
    }
  }

  onReceipt(listener: (receipt: SmsReceipt) => void): void {
    this.listener = listener;
  }

  health(): SmsGatewayHealth {
    const ready = this.senders.filter((b) => b.ready).length;
    return { ready: ready > 0, detail: ready > 0 ? `${ready}/${this.senders.length} binds` : (this.senders[0]?.detail ?? 'no bind') };
  }

  async start(): Promise<void> {
    // Never rejects: an SMSC that is down is retried in the background, and failover skips it meanwhile.
    for (const bind of [...this.senders, ...this.receivers]) bind.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.senders, ...this.receivers].map((b) => b.stop()));
    for (const wake of [...this.bindWaiters]) wake();
  }

  async submit(msg: SmsSubmit, opts: SubmitOptions): Promise<SubmitResult> {
    const deadline = Date.now() + opts.timeoutMs;
    const source = senderTonNpi(msg.senderKind);
    const base = {
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: msg.from.replace(/^\+/, ''),
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: msg.to.replace(/^\+/, ''),
      registered_delivery: msg.receipt ? 1 : 0,
      data_coding: msg.plan.dataCoding,
    };
    const pdus: Array<Record<string, unknown>> =
      this.settings.concat === 'payload' && msg.plan.parts.length > 1
        ? [{ ...base, esm_class: 0, short_message: Buffer.alloc(0), message_payload: encodeText(msg.text, msg.plan.encoding) }]
        : msg.plan.parts.map((part) => ({ ...base, esm_class: part.udh ? 0x40 : 0, short_message: part.udh ? Buffer.concat([part.udh, part.payload]) : part.payload }));
    const ids: string[] = [];
    for (const fields of pdus) {
      const result = await this.submitOne(fields, deadline, opts.signal);
      if ('reason' in result) return { ok: false, ...result };
      ids.push(result.id);
    }
    return { ok: true, ids, receipts: msg.receipt };
  }

  /** One PDU until it is answered: lost sessions and throttling retry, within the deadline. */
  private async submitOne(fields: Record<string, unknown>, deadline: number, signal: AbortSignal): Promise<{ id: string } | { reason: string; permanent: boolean; detail?: string }> {
    for (;;) {
      if (signal.aborted) return { reason: 'canceled', permanent: true };
      const bind = await this.pickBind(deadline, signal);
      if (!bind) return { reason: 'unavailable', permanent: false, detail: this.health().detail };
      const answer = await bind.submit(fields, signal);
      if (answer === 'lost') continue;
      if (answer.status === STATUS.ROK) return { id: canonicalId(answer.messageId, this.settings.ids.submit) };
      if (answer.status === STATUS.RTHROTTLED || answer.status === STATUS.RMSGQFUL) {
        this.logger.debug({ status: answer.status }, 'smsc throttling');
        bind.pause(this.settings.throttleDelayMs);
        if (Date.now() + this.settings.throttleDelayMs > deadline) return { reason: 'throttled', permanent: false };
        continue;
      }
      return submitRefusal(answer.status);
    }
  }

  /** The bound sender with the least outstanding work; waits for a bind until the deadline. */
  private async pickBind(deadline: number, signal: AbortSignal): Promise<SmppBind | undefined> {
    for (;;) {
      let best: SmppBind | undefined;
      for (const bind of this.senders) if (bind.ready && (!best || bind.load < best.load)) best = bind;
      if (best) return best;
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.bindWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.bindWaiters.add(wake);
      });
    }
  }

  private deliver(pdu: Pdu): void {
    const esmClass = Number(pdu.esm_class ?? 0);
    // 0x04: SMSC delivery receipt (0x08 SME ack, 0x20 intermediate notification)
    if ((esmClass & 0x3c) !== 0x04 && pdu.receipted_message_id === undefined) return;
    const sm = pdu.short_message as { message?: unknown } | Buffer | undefined;
    const text = Buffer.isBuffer(sm) ? sm.toString('latin1') : typeof sm?.message === 'string' ? sm.message : Buffer.isBuffer(sm?.message) ? sm.message.toString('latin1') : '';
    const parsed = parseReceipt(
      text,
      {
        receiptedMessageId: typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : undefined,
        messageState: typeof pdu.message_state === 'number' ? pdu.message_state : undefined,
      },
      this.settings.ids,
    );
    if (!parsed) {
      this.logger.warn('smpp receipt without a message id');
      return;
    }
    const receipt: SmsReceipt = { gateway: this.name, id: parsed.id, status: parsed.result.status };
    if (parsed.result.status === 'failed') receipt.reason = parsed.result.reason;
    if (parsed.err !== undefined) receipt.err = parsed.err;
    this.listener?.(receipt);
  }
}
