import Fastify, { type FastifyInstance } from 'fastify';
import { request, type IncomingMessage } from 'node:http';
import { LiveEventBus } from '../../src/console/live/bus';
import { EventStreams, type StreamFilter } from '../../src/console/live/sse';

/** A real HTTP server serving EventStreams (the SSE part of GET /v1/events and the Live page). */
describe('EventStreams (real sockets)', () => {
  let app: FastifyInstance;
  let url: string;
  const bus = new LiveEventBus(() => 1_700_000_000_000);
  const streams = new EventStreams(bus, 50);
  const filters: Record<string, StreamFilter> = {
    all: {},
    viewer: { hideNumbers: true },
    shop: { keyId: 'shop' },
    ended: { types: new Set(['attempt.ended']) },
  };

  beforeAll(async () => {
    app = Fastify();
    app.get('/:name', async (req, reply) => streams.serve(req, reply, filters[(req.params as { name: string }).name] ?? {}));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    streams.closeAll();
    await app.close();
  });

  /** Opens a stream; `text()` is everything received so far. */
  function open(name: string, opts: { paused?: boolean } = {}): Promise<{ res: IncomingMessage; text(): string; close(): void }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}/${name}`, (res) => {
        let text = '';
        if (!opts.paused) res.on('data', (c: Buffer) => (text += c.toString()));
        resolve({ res, text: () => text, close: () => req.destroy() });
      });
      req.on('error', reject);
      req.end();
    });
  }
  const frames = (text: string) => text.split('\n\n').filter((b) => b.includes('\nevent: '));
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('sends each stream the events its filter selects, identical bytes to equal filters, viewers without numbers', async () => {
    const [all1, all2, viewer, shop, ended] = await Promise.all([open('all'), open('all'), open('viewer'), open('shop'), open('ended')]);
    expect(streams.count).toBe(5);
    bus.remember('v1', { keyId: 'shop', to: '+12025****00' });
    bus.publish({ verificationId: 'v1', type: 'attempt.started', attempt: 1, channel: 'call' });
    bus.publish({ verificationId: 'v2', keyId: 'other', type: 'attempt.started', attempt: 1, channel: 'sms', to: '+44791*****12' });
    bus.publish({ verificationId: 'v1', type: 'attempt.ended', attempt: 1, outcome: 'answered', result: 'delivered' });
    await until(() => frames(all1.text()).length === 3 && frames(all2.text()).length === 3 && frames(viewer.text()).length === 3 && frames(shop.text()).length === 2 && frames(ended.text()).length === 1);

    expect(all1.text()).toBe(all2.text());
    expect(frames(all1.text()).map((f) => /event: (\S+)/.exec(f)?.[1])).toEqual(['attempt.started', 'attempt.started', 'attempt.ended']);
    expect(all1.text()).toContain('"to":"+12025****00"');
    // a viewer's stream carries no number at all, not even masked
    expect(frames(viewer.text())).toHaveLength(3);
    expect(viewer.text()).not.toMatch(/"to"|\+[0-9]{2}/);
    expect(frames(shop.text()).every((f) => f.includes('"keyId":"shop"'))).toBe(true);
    expect(frames(ended.text())[0]).toContain('event: attempt.ended');
    for (const s of [all1, all2, viewer, shop, ended]) s.close();
    await until(() => streams.count === 0);
    expect(streams.count).toBe(0);
  });

  it('skips a stream whose reader stopped reading and tells it how many events it missed', async () => {
    const stuck = await open('all', { paused: true });
    stuck.res.pause();
    const big = 'x'.repeat(50_000);
    // fill the socket until the server sees back-pressure
    for (let i = 0; i < 400; i++) {
      bus.publish({ verificationId: `f${i}`, keyId: 'shop', type: 'verification.started', status: big });
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 300));
    let text = '';
    stuck.res.on('data', (c: Buffer) => (text += c.toString()));
    stuck.res.resume();
    await new Promise((r) => setTimeout(r, 300));
    // the next batch after the socket drained starts with the count of what was skipped
    bus.publish({ verificationId: 'after', keyId: 'shop', type: 'verification.started', status: 'pending' });
    await until(() => text.includes('event: dropped') && text.includes('"verificationId":"after"'));
    const dropped = /event: dropped\ndata: \{"dropped":(\d+)\}/.exec(text);
    expect(Number(dropped?.[1])).toBeGreaterThan(0);
    expect(text.indexOf('event: dropped')).toBeLessThan(text.indexOf('"verificationId":"after"'));
    stuck.close();
  });
});
