import pino from 'pino';
import { systemClock } from '../../src/lib/clock';
import { SimulatorPbx } from '../../src/pbx/simulator/simulator-pbx';
import { PbxMessageGateway } from '../../src/sms/pbx-message/pbx-message-gateway';
import { SmppGateway } from '../../src/sms/smpp/smpp-gateway';
import { TestSmsc } from '../support/test-smsc';
import { smsGatewayContract } from './sms-gateway';

const logger = pino({ level: 'silent' });

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
}

smsGatewayContract('pbx-message (simulator)', async () => {
  const pbx = new SimulatorPbx({ clock: systemClock, logger, speed: 20, durationMs: () => 100 });
  await pbx.start();
  const gateway = new PbxMessageGateway(pbx);
  return { gateway, ready: async () => undefined, close: () => pbx.stop() };
});

smsGatewayContract('smpp (scripted test SMSC)', async () => {
  const smsc = new TestSmsc();
  const port = await smsc.start();
  const gateway = new SmppGateway(
    { name: 'smsc', host: '127.0.0.1', port, systemId: 'c', password: 'p', systemType: '', bindMode: 'transceiver', binds: 1, window: 10, maxPerSecond: 0, enquireLinkMs: 30_000, reconnectMinMs: 20, reconnectMaxMs: 200, responseTimeoutMs: 2_000, throttleDelayMs: 20, concat: 'udh8', ids: { submit: 'hex', receipt: 'hex' } },
    logger,
  );
  return { gateway, ready: () => until(() => gateway.health().ready), close: () => smsc.stop() };
});
