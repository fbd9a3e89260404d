import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';
import { AppError } from '../lib/errors';
import type { UrlGuard } from '../verification/ports';
import { judgeAddress, type Cidr } from './ip-policy';

/** Resolves a host name to every address (dns.lookup with `all: true` by default). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * Keeps webhooks away from the operator's own network (SSRF): a callback URL must be http(s)
 * and every address its host resolves to must be global unicast, unless it falls in a range the
 * operator allowed (`webhooks.allowNetworks`). Loopback, private, link-local (169.254.169.254,
 * the cloud metadata service), CGNAT, multicast and reserved ranges are refused by default, and
 * IPv6 forms that embed an IPv4 address (`::127.0.0.1`, `::ffff:10.0.0.1`, NAT64, 6to4, Teredo)
 * are judged by the address they embed (ip-policy.ts).
 *
 * The same check runs again at connect time (`lookup` and `connector` for the HTTP client):
 * a host that resolved to a public address at request time may resolve elsewhere later (DNS
 * rebinding), and an address literal is never looked up at all.
 */
export class NetworkUrlGuard implements UrlGuard {
  private readonly allowed: Cidr[];
  private readonly resolver: Resolver;

  constructor(allowNetworks: readonly string[], opts: { resolver?: Resolver } = {}) {
    this.allowed = allowNetworks.map((cidr) => ipaddr.parseCIDR(cidr));
    this.resolver = opts.resolver ?? systemResolver;
  }

  async check(raw: string): Promise<void> {
    const url = parseCallbackUrl(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    for (const address of addresses) this.assertAllowed(address);
  }

  /** Throws CALLBACK_URL_FORBIDDEN unless the address may be called. */
  assertAllowed(address: string): void {
    const verdict = judgeAddress(address, this.allowed);
    if (!verdict.allowed) throw new AppError('CALLBACK_URL_FORBIDDEN', { details: { field: 'callback_url', range: verdict.range } });
  }

  isAllowed(address: string): boolean {
    return judgeAddress(address, this.allowed).allowed;
  }

  /** A dns.lookup replacement for the HTTP client that refuses forbidden addresses. */
  readonly lookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.resolver(hostname).then(
      (list) => {
        if (list.length === 0) return callback(forbidden(hostname, 'ENOTFOUND'), '', 0);
        if (list.some((a) => !this.isAllowed(a.address))) return callback(forbidden(hostname), '', 0);
        if ((options as { all?: boolean }).all) return callback(null, list);
        const first = list[0] as LookupAddress;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };

  /**
   * An undici connector that checks an address literal before connecting (Node never calls
   * `lookup` for one) and the socket's peer address after, whatever the host was.
   */
  connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const connect = buildConnector({ ...options, lookup: this.lookup });
    return (opts, callback) => {
      const literal = opts.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !this.isAllowed(literal)) return callback(forbidden(literal), null);
      connect(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? forbidden(opts.hostname), null);
        const peer = socket.remoteAddress;
        if (peer === undefined || !this.isAllowed(peer)) {
          socket.destroy();
          return callback(forbidden(opts.hostname), null);
        }
        callback(null, socket);
      });
    };
  }

  private async resolve(host: string): Promise<string[]> {
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolver(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) {
      throw new AppError('CALLBACK_URL_INVALID', { message: 'The callback URL host does not resolve', details: { field: 'callback_url' } });
    }
    return addresses.map((a) => a.address);
  }
}

function forbidden(hostname: string, code = 'EFORBIDDEN'): NodeJS.ErrnoException {
  const error = new Error(`refusing to connect to ${hostname}: ${code === 'EFORBIDDEN' ? 'a forbidden address' : 'no address'}`) as NodeJS.ErrnoException;
  error.code = code;
  return error;
}

export function parseCallbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('CALLBACK_URL_INVALID', { details: { field: 'callback_url' } });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || raw.length > 2048 || url.username || url.password) {
    throw new AppError('CALLBACK_URL_INVALID', { details: { field: 'callback_url' } });
  }
  return url;
}
