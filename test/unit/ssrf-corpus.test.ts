import { createServer, type Server } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { type AppError } from '../../src/lib/errors';
import { judgeAddress } from '../../src/webhooks/ip-policy';
import { NetworkUrlGuard, type Resolver } from '../../src/webhooks/url-guard';

/**
 * The SSRF corpus (issue 11, item 1): every form a callback URL can take to reach the operator's
 * own network, refused at request time (`check`), and the same addresses refused again at
 * connect time (`lookup`, `connector`). IPv6 forms that embed an IPv4 address are judged by the
 * address they embed, in every spelling: compressed, expanded, dotted, uppercase, with ports and
 * paths; zone ids are not valid in URLs and are refused as invalid, and ignored at connect time.
 */
const codeOf = async (guard: NetworkUrlGuard, url: string): Promise<string | undefined> => {
  try {
    await guard.check(url);
    return undefined;
  } catch (err) {
    return (err as AppError).code;
  }
};

/** URLs refused with CALLBACK_URL_FORBIDDEN by default, grouped by form. */
const FORBIDDEN: Record<string, string[]> = {
  'IPv4 private, loopback and special ranges': [
    'http://127.0.0.1/hook',
    'http://10.1.2.3/hook',
    'http://192.168.0.1/hook',
    'http://172.16.5.4/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://192.0.2.1/',
    'http://198.18.0.1/',
    'http://240.0.0.1/',
  ],
  'IPv4 obfuscated spellings (normalized by the URL parser)': [
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f.0.0.1/',
    'http://127.000.000.001/',
    'http://0xa9.0xfe.0xa9.0xfe/',
  ],
  'names that resolve to loopback': ['http://localhost:8080/hook', 'http://LOCALHOST/hook'],
  'IPv6 special ranges': [
    'http://[::1]/hook',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[0000:0000:0000:0000:0000:0000:0000:0001]:8080/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[FE80::A:B]/',
    'http://[fd00::1]/hook',
    'http://[fc00::1]/',
    'http://[ff02::1]/',
    'http://[fec0::1]/',
    'http://[2001:db8::1]/',
    'http://[100::1]/',
    'http://[4000::1]/',
  ],
  '::/96 IPv4-compatible': [
    'http://[::127.0.0.1]/',
    'http://[::127.0.0.1]:8080/hook',
    'http://[::7f00:1]/',
    'http://[::7F00:0001]/',
    'http://[0:0:0:0:0:0:127.0.0.1]/',
    'http://[0000:0000:0000:0000:0000:0000:7f00:0001]/',
    'http://[::10.0.0.1]/',
    'http://[::a00:1]/',
    'http://[::169.254.169.254]/latest/meta-data',
    'http://[::a9fe:a9fe]/',
    'http://[::C0A8:101]/',
    'https://[::192.168.1.1]:443/',
  ],
  '::ffff:0:0/96 IPv4-mapped and ::ffff:0:0:0/96 translated': [
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:7f00:1]/',
    'http://[::FFFF:7F00:1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://[0000:0000:0000:0000:0000:ffff:7f00:0001]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[::ffff:192.168.0.1]:9000/',
    'http://[::ffff:0:0]/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[::ffff:0:a00:1]/',
    'http://[0:0:0:0:ffff:0:7f00:1]/',
  ],
  '64:ff9b::/96 NAT64': [
    'http://[64:ff9b::127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[64:FF9B::A00:1]/',
    'http://[0064:ff9b:0000:0000:0000:0000:0a00:0001]/',
    'http://[64:ff9b:0:0:0:0:169.254.169.254]/',
    'http://[64:ff9b::192.168.0.1]:8443/',
    'http://[64:ff9b::100.64.0.1]/',
    'http://[64:ff9b::]/',
  ],
  '64:ff9b:1::/48 local-use NAT64 (every RFC 6052 layout)': [
    'http://[64:ff9b:1::127.0.0.1]/',
    'http://[64:ff9b:1::7f00:1]/',
    'http://[64:FF9B:1:0:0:0:A00:1]/',
    'http://[64:ff9b:1:7f00:0:100::]/',
    'http://[64:ff9b:1:7f:0:1::]/',
    'http://[64:ff9b:1:0:7f:0:100:0]/',
    'http://[64:ff9b:1:0:a:0:500:0]/',
  ],
  '2002::/16 6to4': [
    'http://[2002:7f00:1::]/',
    'http://[2002:7f00:0001::1]/',
    'http://[2002:7F00:1:0:0:0:0:1]/',
    'http://[2002:a00:1::1]/',
    'http://[2002:a9fe:a9fe::]/latest/meta-data',
    'http://[2002:C0A8:0101::1]:8080/',
    'http://[2002::]/',
  ],
  '2001::/32 Teredo (client obfuscated, server plain)': [
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    'http://[2001::4136:e378:8000:63bf:80ff:fffe]/',
    'http://[2001:0000:4136:E378:8000:63BF:80FF:FFFE]/',
    'http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/',
    'http://[2001:0:4136:e378:8000:63bf:5601:5601]/',
    'http://[2001:0:4136:e378:8000:63bf:3f57:fffe]:8080/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'http://[2001:0:a00:1::bfff:fffe]/',
    'http://[2001:0:7f00:1:8000:63bf:a247:27dd]/',
  ],
};

/** Refused as invalid: zone ids (RFC 6874 is not part of WHATWG URLs), credentials, odd schemes. */
const INVALID = [
  'http://[fe80::1%25eth0]/',
  'http://[::ffff:127.0.0.1%25lo]/',
  'http://[::127.0.0.1%251]/',
  'http://[64:ff9b::7f00:1%25eth0]/',
  'http://%5B::1%5D/',
  'ftp://example.com/x',
  'javascript:alert(1)',
  'not a url',
  'http://user:pw@example.com/',
];

/** Addresses a name may resolve to: refused at request time and at connect time. */
const FORBIDDEN_ADDRESSES = [
  '127.0.0.1',
  '::1',
  '::127.0.0.1',
  '::7f00:1',
  '::ffff:127.0.0.1',
  '::ffff:0:a00:1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b:1::a00:1',
  '2002:c0a8:101::1',
  '2001:0:4136:e378:8000:63bf:80ff:fffe',
  'fe80::1%eth0',
  '::ffff:127.0.0.1%1',
  '::7f00:1%lo',
  'fd12:3456::1%2',
];

/** Global addresses, plain and embedded: accepted. */
const ALLOWED = [
  'https://93.184.216.34/hook',
  'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  'https://[::ffff:93.184.216.34]/hook',
  'https://[64:ff9b::93.184.216.34]/hook',
  'https://[64:ff9b::5db8:d822]:8443/hook',
  'https://[2002:5db8:d822::1]/hook',
  'https://[2001:0:4136:e378:8000:63bf:a247:27dd]/hook',
];

const forbiddenUrls = Object.entries(FORBIDDEN).flatMap(([form, urls]) => urls.map((url) => [form, url] as const));

describe('SSRF corpus: callback URLs', () => {
  const guard = new NetworkUrlGuard([]);

  it('covers at least 80 refused forms', () => {
    expect(forbiddenUrls.length + INVALID.length + FORBIDDEN_ADDRESSES.length).toBeGreaterThanOrEqual(80);
  });

  it.each(forbiddenUrls)('refuses (%s) %s', async (_form, url) => {
    expect(await codeOf(guard, url)).toBe('CALLBACK_URL_FORBIDDEN');
  });

  it.each(INVALID)('refuses %s as invalid', async (url) => {
    expect(await codeOf(guard, url)).toBe('CALLBACK_URL_INVALID');
  });

  it.each(ALLOWED)('accepts the global address %s', async (url) => {
    expect(await codeOf(guard, url)).toBeUndefined();
  });

  it('names the embedding form and the range that refused it', async () => {
    const details = async (url: string) => {
      try {
        await guard.check(url);
      } catch (err) {
        return (err as AppError).details;
      }
      return undefined;
    };
    expect(await details('http://[::127.0.0.1]/')).toEqual({ field: 'callback_url', range: 'ipv4-compatible:loopback' });
    expect(await details('http://[64:ff9b::a9fe:a9fe]/')).toEqual({ field: 'callback_url', range: 'nat64:linkLocal' });
    expect(await details('http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/')).toEqual({ field: 'callback_url', range: 'teredo:private' });
  });

  it('accepts the ranges the operator allowed, in every spelling, and nothing else', async () => {
    const lab = new NetworkUrlGuard(['127.0.0.0/8']);
    for (const url of ['http://127.0.0.1:9999/hook', 'http://[::127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[64:ff9b::127.0.0.1]/', 'http://[2002:7f00:1::]/']) {
      expect(await codeOf(lab, url)).toBeUndefined();
    }
    for (const url of ['http://10.0.0.1/hook', 'http://[::ffff:10.0.0.1]/', 'http://[::1]/', 'http://[2001:0:7f00:1:8000:63bf:f5ff:fffe]/']) {
      expect(await codeOf(lab, url)).toBe('CALLBACK_URL_FORBIDDEN');
    }
  });

  it('refuses a local-use NAT64 address of a public IPv4 address unless its prefix is allowed (the layout is unknown)', async () => {
    expect(await codeOf(guard, 'https://[64:ff9b:1::5db8:d822]/')).toBe('CALLBACK_URL_FORBIDDEN');
    expect(await codeOf(new NetworkUrlGuard(['64:ff9b:1::/48']), 'https://[64:ff9b:1::5db8:d822]/')).toBeUndefined();
  });
});

describe('SSRF corpus: names resolving to forbidden addresses', () => {
  const resolverFor =
    (addresses: string[]): Resolver =>
    async () =>
      addresses.map((address): LookupAddress => ({ address: address.replace(/%.*$/, ''), family: address.includes(':') ? 6 : 4 }));

  it.each(FORBIDDEN_ADDRESSES)('refuses a host resolving to %s at request time', async (address) => {
    expect(await codeOf(new NetworkUrlGuard([], { resolver: resolverFor([address]) }), 'https://hooks.example.com/')).toBe('CALLBACK_URL_FORBIDDEN');
  });

  it.each(FORBIDDEN_ADDRESSES)('judges %s as forbidden whatever its zone id', (address) => {
    expect(judgeAddress(address, []).allowed).toBe(false);
  });

  it('refuses a host when any one of its addresses is forbidden', async () => {
    const guard = new NetworkUrlGuard([], { resolver: resolverFor(['93.184.216.34', '::ffff:10.0.0.1']) });
    expect(await codeOf(guard, 'https://hooks.example.com/')).toBe('CALLBACK_URL_FORBIDDEN');
  });

  it('refuses at connect time when the name rebinds to an embedded form (lookup)', async () => {
    for (const address of FORBIDDEN_ADDRESSES) {
      const guard = new NetworkUrlGuard([], { resolver: resolverFor([address]) });
      const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guard.lookup('hooks.example.com', { all: true }, (e) => resolve(e)));
      expect(err?.code).toBe('EFORBIDDEN');
    }
  });
});

describe('SSRF guard at connect time (connector)', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const connect = (guard: NetworkUrlGuard, hostname: string): Promise<string> =>
    new Promise((resolve) => {
      guard.connector({ timeout: 2000 })({ hostname, protocol: 'http:', port: String(port) }, (err, socket) => {
        socket?.destroy();
        resolve(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : 'connected');
      });
    });

  it('refuses address literals before connecting: Node never looks them up', async () => {
    const guard = new NetworkUrlGuard([]);
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '::ffff:7f00:1', '[::127.0.0.1]', '64:ff9b::7f00:1', '2002:7f00:1::1']) {
      expect(await connect(guard, host)).toBe('EFORBIDDEN');
    }
    expect(connections).toBe(0);
  });

  it('refuses a name that resolves to a mapped loopback address, and connects where allowed', async () => {
    const rebinding = new NetworkUrlGuard([], { resolver: async () => [{ address: '::ffff:127.0.0.1', family: 6 }] });
    expect(await connect(rebinding, 'hooks.example.com')).toBe('EFORBIDDEN');
    expect(connections).toBe(0);
    const lab = new NetworkUrlGuard(['127.0.0.0/8']);
    expect(await connect(lab, '127.0.0.1')).toBe('connected');
  });

});
