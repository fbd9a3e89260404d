/**
 * The SmsGateway contract (src/sms/port.ts), run against every adapter that can run in-process
 * here: submit resolves with ids or a reason and never rejects, health says whether it can send,
 * a canceled submission resolves, stop is safe twice. Runs against pbx-message (simulator), SMPP
 * (scripted test SMSC), Kannel (real bearerbox/smsbox with fakesmsc) and HTTP (a provider on
 * loopback); their receipts and faults have their own tests (test/integration/sms-*.test.ts).
 */
import type { SmsGateway, SmsSubmit } from '../../src/sms/port';
import { planSms } from '../../src/sms/segment';

export interface GatewayUnderTest {
  gateway: SmsGateway;
  /** Waits until the gateway reports ready. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function message(to = '+447700900123', text = '482913 is your Acme code'): SmsSubmit {
  return { to, from: 'Acme', senderKind: 'alphanumeric', text, plan: planSms(text, { concat: 'udh8', ref: 1 }), receipt: true, tag: 'contract-1' };
}

export function smsGatewayContract(name: string, make: () => Promise<GatewayUnderTest>): void {
  describe(`SmsGateway contract: ${name}`, () => {
    let under: GatewayUnderTest;
    beforeEach(async () => {
      under = await make();
      await under.gateway.start();
      await under.ready();
    });
    afterEach(async () => {
      await under.gateway.stop();
      await under.close();
    });

    it('is ready once started and accepts a message with at least one id', async () => {
      expect(under.gateway.health().ready).toBe(true);
      const result = await under.gateway.submit(message(), { signal: new AbortController().signal, timeoutMs: 5_000 });
      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(result.ids.length).toBeGreaterThan(0);
    });

    it('accepts a long UCS-2 message of several parts', async () => {
      const result = await under.gateway.submit(message('+447700900124', '482913 ваш код. ' + 'Ж'.repeat(100)), { signal: new AbortController().signal, timeoutMs: 5_000 });
      expect(result).toMatchObject({ ok: true });
    });

    it('resolves (never rejects) a submission whose signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(under.gateway.submit(message(), { signal: controller.signal, timeoutMs: 1_000 })).resolves.toHaveProperty('ok');
    });

    it('can be stopped twice', async () => {
      await under.gateway.stop();
      await expect(under.gateway.stop()).resolves.toBeUndefined();
    });
  });
}
