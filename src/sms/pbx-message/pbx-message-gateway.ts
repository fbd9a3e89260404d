import type { Pbx } from '../../pbx/port';
import type { SmsGateway, SmsGatewayHealth, SmsReceipt, SmsSubmit, SubmitOptions, SubmitResult } from '../port';

/**
 * The gateway kind `pbx` (the default): the whole text as one SIP MESSAGE (or the PBX's own SMS
 * facility) through the Pbx port, exactly as before gateways existed. The PBX sends no receipts,
 * so an accepted message stays `submitted`. The PBX's lifecycle belongs to the pbx capability.
 */
export class PbxMessageGateway implements SmsGateway {
  readonly kind = 'pbx' as const;

  constructor(
    private readonly pbx: Pbx,
    readonly name = 'pbx',
  ) {}

  async submit(msg: SmsSubmit, opts: SubmitOptions): Promise<SubmitResult> {
    const result = await this.pbx.sendMessage({ to: msg.to, from: msg.from, body: msg.text, tag: msg.tag }, opts);
    if (result.ok) return { ok: true, ids: [result.messageId], receipts: false };
    // `rejected` / `unsupported` would fail the same way again on this PBX, not on another gateway.
    return { ok: false, reason: result.error, permanent: false, ...(result.detail ? { detail: result.detail } : {}) };
  }

  onReceipt(_listener: (receipt: SmsReceipt) => void): void {
    // SIP MESSAGE has no delivery receipts.
  }

  health(): SmsGatewayHealth {
    return this.pbx.health();
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
