import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AriRequestError, AriRest } from '../../../src/pbx/asterisk-ari/ari-rest';

/**
 * Asterisk closes a keep-alive HTTP connection that sat idle for `session_keep_alive` (15 s,
 * main/http.c). A request the pool sends on it in that instant fails with UND_ERR_SOCKET before
 * any answer: the driver repeats it once. This server plays that: the first request that arrives
 * on an already used socket (undici's pool opens a second socket before it reuses the first, so
 * two warm-up calls make the next one go out on a used socket) gets the socket closed under it.
 */
interface Seen {
  method: string;
  url: string;
  fresh: boolean;
  dropped: boolean;
}

async function staleServer(answer: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const used = new WeakSet<Socket>();
  let dropped = false;
  const server = createServer((req, res) => {
    const fresh = !used.has(req.socket);
    const drop = !fresh && !dropped;
    seen.push({ method: req.method ?? '', url: req.url ?? '', fresh, dropped: drop });
    if (drop) {
      dropped = true;
      req.socket.destroy();
      return;
    }
    used.add(req.socket);
    answer(req, res, seen);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

describe('AriRest on a keep-alive connection Asterisk has closed', () => {
  const open: Array<{ server: Server; rest: AriRest }> = [];
  afterEach(async () => {
    for (const { server, rest } of open.splice(0)) {
      await rest.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('repeats a read once on a fresh connection', async () => {
    const s = await staleServer((_req, res) => json(res, 200, { system: { version: '22.10.1' } }));
    const rest = new AriRest({ baseUrl: s.url, user: 'u', password: 'p' }, 2_000);
    open.push({ server: s.server, rest });
    for (let i = 0; i < 4; i++) await expect(rest.info()).resolves.toEqual({ system: { version: '22.10.1' } });
    // four answers; one request went out on a used socket that was closed under it, and was repeated
    expect(s.seen).toHaveLength(5);
    expect(s.seen.filter((r) => r.dropped)).toHaveLength(1);
  });

  it('repeats an originate; a 409 on the repeat means the first one got through, and the channel is read', async () => {
    const channels = new Set<string>();
    const s = await staleServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/ari/channels') {
        const id = url.searchParams.get('channelId') ?? '';
        if (channels.has(id)) return json(res, 409, { message: 'Channel with given unique ID already exists' });
        channels.add(id);
        return json(res, 200, { id, state: 'Down' });
      }
      if (req.method === 'GET' && url.pathname.startsWith('/ari/channels/')) return json(res, 200, { id: decodeURIComponent(url.pathname.slice(14)), state: 'Ring' });
      return json(res, 200, {});
    });
    const rest = new AriRest({ baseUrl: s.url, user: 'u', password: 'p' }, 2_000);
    open.push({ server: s.server, rest });
    await rest.info();
    await rest.info();
    // the request reached Asterisk (it created the channel) and then the connection dropped
    channels.add('c-1');
    const channel = await rest.originate({ endpoint: 'PJSIP/uas', app: 'pbxverify', appArgs: 'out', channelId: 'c-1', timeoutSec: 30 });
    expect(channel).toEqual({ id: 'c-1', state: 'Ring' });
    expect(s.seen.map((r) => `${r.method} ${r.url.split('?')[0]}${r.dropped ? ' dropped' : ''}`)).toEqual([
      'GET /ari/asterisk/info',
      'GET /ari/asterisk/info',
      'POST /ari/channels dropped',
      'POST /ari/channels',
      'GET /ari/channels/c-1',
    ]);
  });

  it('does not repeat a refused connection, and a 409 of a first originate stays an error', async () => {
    const rest = new AriRest({ baseUrl: 'http://127.0.0.1:1', user: 'u', password: 'p' }, 2_000);
    const err = await rest.info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriRequestError);
    expect((err as AriRequestError).kind).toBe('unreachable');
    expect((err as AriRequestError).code).toBe('ECONNREFUSED');
    await rest.close();

    const s = await staleServer((_req, res) => json(res, 409, { message: 'Channel with given unique ID already exists' }));
    const rest2 = new AriRest({ baseUrl: s.url, user: 'u', password: 'p' }, 2_000);
    open.push({ server: s.server, rest: rest2 });
    const conflict = await rest2.originate({ endpoint: 'PJSIP/uas', app: 'pbxverify', appArgs: 'out', channelId: 'taken', timeoutSec: 30 }).catch((e: unknown) => e);
    expect((conflict as AriRequestError).status).toBe(409);
    expect(s.seen).toHaveLength(1);
  });
});
