import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '../support/api-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { EngineGroup } from '../support/scale-out';

interface ProviderRequest {
  to: string;
  text: string;
  callback: string;
}

/**
 * Delivery receipts reaching another engine than the one that sent the SMS (two engine processes
 * on one real redis-server, an HTTP SMS provider stand-in): the receipt is matched through the
 * store's message index and applied by the sender. The receipt timeout runs on the engine clock.
 */
describe('SMS receipts across engines (Redis)', () => {
  let redis: RedisServer;
  let group: EngineGroup;
  let provider: Server;
  const requests: ProviderRequest[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push(JSON.parse(body) as ProviderRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `m-${requests.length}` }));
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const port = (provider.address() as AddressInfo).port;
    group = new EngineGroup({
      storeUrl: redis.url,
      config: {
        sms: { gateway: 'prov', publicUrl: 'http://127.0.0.1:9', receiptTimeoutSeconds: 2 },
        smsGateways: [
          {
            name: 'prov',
            kind: 'http',
            request: { url: `http://127.0.0.1:${port}/send`, body: '{"to":"{to}","text":"{text}","callback":"{dlr_url}"}' },
            responseIdPath: 'id',
            dlr: { idPath: 'id', statusPath: 'status' },
          },
        ],
      },
    });
    // only engine a at first: it is the one that sends
    await group.start('a');
  }, 60_000);

  afterAll(async () => {
    await group?.stopAll();
    await redis?.stop();
    await new Promise((resolve) => provider?.close(resolve));
  });

  const smsOf = async (id: string) => (await group.get('a').api.get(`/v1/verifications/${id}`)).body.attempts[0]?.sms;

  async function sendSms(to: string): Promise<{ id: string; request: ProviderRequest; messageId: string }> {
    const created = await group.get('a').api.post('/v1/verifications', { to, channel: 'sms' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const request = await eventually(async () => requests.find((r) => r.to === to), 'the provider request');
    await eventually(async () => ((await smsOf(id))?.status === 'submitted' ? true : undefined), 'the SMS submitted');
    return { id, request, messageId: `m-${requests.indexOf(request) + 1}` };
  }

  const postDlr = (engine: string, path: string, body: Record<string, unknown>) =>
    fetch(`${group.get(engine).process.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('applies a receipt that reaches the other engine, and ignores one with a wrong token there', async () => {
    const { id, request, messageId } = await sendSms('+12025550171');
    await group.start('b');
    const path = new URL(request.callback).pathname;
    const token = path.split('/').at(-1) as string;

    const forged = await postDlr('b', path.replace(token, 'A'.repeat(22)), { id: messageId, status: 'delivered' });
    expect(forged.status).toBe(200);
    await eventually(async () => {
      const metrics = await (await fetch(`${group.get('b').process.url}/metrics`)).text();
      return metrics.includes('pbxverify_sms_receipts_ignored_total{gateway="prov",why="token does not match"} 1') ? true : undefined;
    }, 'the forged receipt counted on b');
    expect(await smsOf(id)).toMatchObject({ status: 'submitted' });

    const genuine = await postDlr('b', path, { id: messageId, status: 'delivered' });
    expect(genuine.status).toBe(200);
    await eventually(async () => ((await smsOf(id))?.status === 'delivered' ? true : undefined), 'the receipt applied by engine a');
    const v = (await group.get('b').api.get(`/v1/verifications/${id}`)).body;
    expect(v.attempts[0]).toMatchObject({ result: 'delivered', sms: { gateway: 'prov', status: 'delivered' } });
  });

  it('ends the attempt unconfirmed when no receipt comes within the timeout of engine time, not real time', async () => {
    const { id } = await sendSms('+12025550172');
    // real time passes beyond receiptTimeoutSeconds (2 s): still waiting, the engine clock did not move
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await smsOf(id)).toMatchObject({ status: 'submitted' });
    await group.clock.advance(2_000);
    await eventually(async () => ((await smsOf(id))?.status === 'unknown' ? true : undefined), 'the receipt timeout');
    const v = (await group.get('a').api.get(`/v1/verifications/${id}`)).body;
    expect(v.attempts[0]).toMatchObject({ result: 'unconfirmed' });
  });
});
