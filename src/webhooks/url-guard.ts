import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { AppError } from '../lib/errors';
import type { UrlGuard } from '../verification/ports';

const lookupAll = promisify(dnsLookup) as unknown as (host: string, opts: { all: true }) => Promise<LookupAddress[]>;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Keeps webhooks away from the operator's own network (SSRF): a callback URL must be http(s)
 * and every address its host resolves to must be public unicast, unless it falls in a range the
 * operator allowed (`webhooks.allowNetworks`). Loopback, private, link-local (169.254.169.254,
 * the cloud metadata service), CGNAT, multicast and reserved ranges are refused by default.
 * The same check runs again at delivery, inside the HTTP client's DNS lookup (rebinding).
 */
export class NetworkUrlGuard implements UrlGuard {
  private readonly allowed: Range[];

  constructor(allowNetworks: readonly string[]) {
    this.allowed = allowNetworks.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  async check(raw: string): Promise<void> {
    const url = parseCallbackUrl(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = ipaddr.isValid(host) ? [host] : await this.resolve(host);
    for (const address of addresses) this.assertAllowed(address);
  }

  /** Throws CALLBACK_URL_FORBIDDEN unless the address may be called. */
  assertAllowed(address: string): void {
    if (!this.isAllowed(address)) {
      throw new AppError('CALLBACK_URL_FORBIDDEN', { details: { field: 'callback_url', range: rangeName(address) } });
    }
  }

  isAllowed(address: string): boolean {
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    if (ip.range() === 'unicast') return true;
    return this.allowed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  }

  /** A dns.lookup replacement for the HTTP client that refuses forbidden addresses. */
  readonly lookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses;
      const bad = list.find((a) => !this.isAllowed(a.address));
      if (bad) {
        const error = new Error(`refusing to connect to ${hostname}: resolves to a forbidden address`) as NodeJS.ErrnoException;
        error.code = 'EFORBIDDEN';
        return callback(error, '', 0);
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };

  private async resolve(host: string): Promise<string[]> {
    try {
      return (await lookupAll(host, { all: true })).map((a) => a.address);
    } catch {
      throw new AppError('CALLBACK_URL_INVALID', { message: 'The callback URL host does not resolve', details: { field: 'callback_url' } });
    }
  }
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

function rangeName(address: string): string {
  try {
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    return ip.range();
  } catch {
    return 'invalid';
  }
}
