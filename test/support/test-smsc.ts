/**
 * A scripted SMSC on the server side of the `smpp` package, on a free loopback port: binds,
 * submit_sm with scripted answers, delivery receipts as deliver_sm, and faults (throttling,
 * refusals, receipts late or never, the connection dropped in the middle of a window).
 */
import { createSmscServer, newPdu, type Pdu, type SmppServer, type SmppSession } from '../../src/sms/smpp/smpp-lib';

export interface Accepted {
  id: string;
  destination: string;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  dataCoding: number;
  esmClass: number;
  /** The text as the smpp package's own decoder reads it (GSM 03.38 or UCS-2 by data_coding). */
  text: string;
  /** UDH information elements (the concatenation header). */
  udh: Buffer[];
  /** Sent in message_payload rather than short_message. */
  payload: boolean;
}

export interface SmscScript {
  /** Refuse binds with ESME_RBINDFAIL. */
  refuseBind: boolean;
  /** Answer the next N submit_sm with this status (ESME_RTHROTTLED 0x58, …), then accept. */
  refuseNext: { count: number; status: number };
  /** Answer every submit_sm to these destinations with this status. */
  rejectDestinations: Map<string, number>;
  /** How ids are written: submit_sm_resp and receipt text. */
  submitIds: 'hex' | 'decimal';
  receiptIds: 'hex' | 'decimal';
  /** Put the id in the receipted_message_id TLV too. */
  receiptTlv: boolean;
  /** Receipt stat per destination (default DELIVRD); `none` sends no receipt. */
  receiptStat: Map<string, string>;
  defaultStat: string;
  receiptDelayMs: number;
  /** Drop the connection when this many more submits have been accepted (the rest of the window is unanswered). */
  dropAfter: number | undefined;
  /** Delay before answering a submit_sm. */
  responseDelayMs: number;
  /** Keep receipts until {@link TestSmsc.releaseHeld} (benchmarks). */
  holdReceipts: boolean;
  /** Send each receipt on a receiver bound with another system_id than the submitter (another engine). */
  receiptsElsewhere: boolean;
}

export class TestSmsc {
  readonly accepted: Accepted[] = [];
  readonly sessions = new Set<SmppSession>();
  binds = 0;
  submits = 0;
  enquireLinks = 0;
  private nextId = 0x1a2b3c00;
  private readonly queued: Array<Record<string, unknown>> = [];
  private server: SmppServer | undefined;
  readonly script: SmscScript = {
    refuseBind: false,
    refuseNext: { count: 0, status: 0 },
    rejectDestinations: new Map(),
    submitIds: 'hex',
    receiptIds: 'hex',
    receiptTlv: false,
    receiptStat: new Map(),
    defaultStat: 'DELIVRD',
    receiptDelayMs: 0,
    dropAfter: undefined,
    responseDelayMs: 0,
    holdReceipts: false,
    receiptsElsewhere: false,
  };
  /** The system_id of the bind each receipt was written to, in order. */
  readonly receiptsTo: string[] = [];
  private readonly held: Array<() => void> = [];

  /** Sends the held receipts, one every `gapMs`; resolves when all are written. */
  async releaseHeld(gapMs: number): Promise<number> {
    const held = this.held.splice(0);
    for (const send of held) {
      send();
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return held.length;
  }
  port = 0;
  /** Called as a receipt is written (benchmarks: receipt → webhook latency). */
  onReceiptSent: ((destination: string) => void) | undefined;

  async start(): Promise<number> {
    this.server = createSmscServer((session) => this.serve(session));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Drops every connection now (as if the SMSC restarted). */
  dropAll(): void {
    for (const session of this.sessions) session.destroy();
  }

  private serve(session: SmppSession): void {
    this.sessions.add(session);
    let receiver = false;
    let dropped = false;
    session.on('error', () => undefined);
    session.on('close', () => this.sessions.delete(session));
    const bind = (pdu: Pdu, rx: boolean): void => {
      if (this.script.refuseBind) {
        session.send(pdu.response({ command_status: 0x0d }));
        return;
      }
      this.binds++;
      receiver = rx;
      (session as unknown as { systemId: string }).systemId = String(pdu.system_id);
      session.send(pdu.response({ system_id: 'test-smsc' }));
      // receipts kept while no receiver was bound (a real SMSC stores them)
      if (rx) for (const fields of this.queued.splice(0)) session.send(newPdu('deliver_sm', fields));
    };
    (session as unknown as { receiver: () => boolean }).receiver = () => receiver;
    session.on('bind_transceiver', (pdu) => bind(pdu, true));
    session.on('bind_transmitter', (pdu) => bind(pdu, false));
    session.on('bind_receiver', (pdu) => bind(pdu, true));
    session.on('enquire_link', (pdu) => {
      this.enquireLinks++;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu) => session.send(pdu.response()));
    session.on('submit_sm', (pdu) => {
      if (dropped) return;
      this.submits++;
      const answer = (): void => {
        if (dropped) return;
        const destination = String(pdu.destination_addr);
        const scripted = this.script.rejectDestinations.get(destination);
        if (scripted !== undefined) return void session.send(pdu.response({ command_status: scripted }));
        if (this.script.refuseNext.count > 0) {
          this.script.refuseNext.count--;
          return void session.send(pdu.response({ command_status: this.script.refuseNext.status }));
        }
        if (this.script.dropAfter !== undefined && this.script.dropAfter-- <= 0) {
          this.script.dropAfter = undefined;
          dropped = true;
          // the answers already written go out first (end, not destroy): only the rest of the
          // window is unanswered. A response lost after the SMSC took the message is SMPP's
          // known ambiguity (docs/sms.md), not what this behaviour scripts.
          this.sessions.delete(session);
          session.close();
          return;
        }
        const n = this.nextId++;
        const id = this.script.submitIds === 'hex' ? n.toString(16).toUpperCase() : String(n);
        const sm = pdu.short_message as { message?: Buffer | string; udh?: Buffer[] } | Buffer | undefined;
        const payload = pdu.message_payload as { message?: Buffer | string } | Buffer | undefined;
        this.accepted.push({
          id,
          destination,
          source: String(pdu.source_addr),
          sourceTon: Number(pdu.source_addr_ton),
          sourceNpi: Number(pdu.source_addr_npi),
          dataCoding: Number(pdu.data_coding),
          esmClass: Number(pdu.esm_class),
          ...decoded(payload !== undefined && !Buffer.isBuffer(payload) && payload.message ? payload : sm),
          payload: payload !== undefined,
        });
        session.send(pdu.response({ message_id: id }));
        if (Number(pdu.registered_delivery) & 1) this.receipt(n, destination, (session as unknown as { systemId?: string }).systemId);
      };
      if (this.script.responseDelayMs > 0) setTimeout(answer, this.script.responseDelayMs);
      else answer();
    });
  }

  private receipt(n: number, destination: string, submitter: string | undefined): void {
    const stat = this.script.receiptStat.get(destination) ?? this.script.defaultStat;
    if (stat === 'none') return;
    const textId = this.script.receiptIds === 'hex' ? n.toString(16).toUpperCase() : String(n);
    const submitId = this.script.submitIds === 'hex' ? n.toString(16).toUpperCase() : String(n);
    const write = (): void => {
      const receivers = [...this.sessions].filter((s) => s.socket.destroyed !== true && (s as unknown as { receiver: () => boolean }).receiver?.());
      const systemId = (s: SmppSession): string | undefined => (s as unknown as { systemId?: string }).systemId;
      const target = (this.script.receiptsElsewhere ? receivers.find((s) => systemId(s) !== submitter) : undefined) ?? receivers[0];
      if (target) this.receiptsTo.push(systemId(target) ?? '');
      const fields: Record<string, unknown> = {
        source_addr: destination,
        esm_class: 0x04,
        short_message: `id:${textId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2601011200 done date:2601011200 stat:${stat} err:${stat === 'DELIVRD' ? '000' : '001'} text:`,
      };
      if (this.script.receiptTlv) fields.receipted_message_id = submitId;
      this.onReceiptSent?.(destination);
      if (target) target.send(newPdu('deliver_sm', fields));
      else this.queued.push(fields);
    };
    if (this.script.holdReceipts) this.held.push(write);
    else setTimeout(write, this.script.receiptDelayMs);
  }
}

function decoded(value: { message?: Buffer | string; udh?: Buffer[] } | Buffer | undefined): { text: string; udh: Buffer[] } {
  if (value === undefined) return { text: '', udh: [] };
  if (Buffer.isBuffer(value)) return { text: value.toString('latin1'), udh: [] };
  return { text: Buffer.isBuffer(value.message) ? value.message.toString('latin1') : (value.message ?? ''), udh: value.udh ?? [] };
}
