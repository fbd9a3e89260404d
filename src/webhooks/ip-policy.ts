import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a callback may reach (docs/security.md, "SSRF policy"). Pure functions over
 * ipaddr.js values, used by the URL guard at request time and again at connect time.
 *
 * An IPv6 address that carries an IPv4 address (the transition forms below) is judged by the
 * IPv4 address it carries, because that is where the packets end up: `::127.0.0.1` is loopback,
 * not "global IPv6". Everything else must be global unicast.
 */

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [IpAddress, number];

/** Where an embedded IPv4 address came from (for error details and logs). */
export type EmbeddingForm = 'ipv4-compatible' | 'ipv4-mapped' | 'ipv4-translated' | 'nat64' | 'nat64-local' | '6to4' | 'teredo';

export interface Embedded {
  form: EmbeddingForm;
  /** Every IPv4 address the form can stand for; all of them must be allowed. */
  ipv4: ipaddr.IPv4[];
}

const v4 = (hi: number, lo: number): ipaddr.IPv4 => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
const zero = (parts: number[], from: number, to: number): boolean => parts.slice(from, to).every((p) => p === 0);

/**
 * The IPv4 address(es) an IPv6 address embeds, or undefined when it is not a transition form:
 * - `::/96` IPv4-compatible (RFC 4291, deprecated; `::` and `::1` fall here too and carry 0.0.0.x);
 * - `::ffff:0:0/96` IPv4-mapped; `::ffff:0:0:0/96` IPv4-translated (RFC 2765);
 * - `64:ff9b::/96` NAT64 well-known prefix (RFC 6052), the address in the last 32 bits;
 * - `64:ff9b:1::/48` local-use NAT64 (RFC 8215): the translator's prefix length (/48…/96) is the
 *   operator's choice and unknown here, so every RFC 6052 position is a candidate;
 * - `2002::/16` 6to4 (RFC 3056): bits 16–47;
 * - `2001::/32` Teredo (RFC 4380): the server in bits 32–63, the client in the last 32 bits,
 *   obfuscated (every bit inverted).
 */
export function embeddedIPv4(ip: ipaddr.IPv6): Embedded | undefined {
  const p = ip.parts;
  const at = (i: number): number => p[i] ?? 0;
  if (zero(p, 0, 6)) return { form: 'ipv4-compatible', ipv4: [v4(at(6), at(7))] };
  if (zero(p, 0, 5) && at(5) === 0xffff) return { form: 'ipv4-mapped', ipv4: [v4(at(6), at(7))] };
  if (zero(p, 0, 4) && at(4) === 0xffff && at(5) === 0) return { form: 'ipv4-translated', ipv4: [v4(at(6), at(7))] };
  if (at(0) === 0x64 && at(1) === 0xff9b) {
    if (zero(p, 2, 6)) return { form: 'nat64', ipv4: [v4(at(6), at(7))] };
    if (at(2) === 1) return { form: 'nat64-local', ipv4: rfc6052Candidates(ip.toByteArray()) };
  }
  if (at(0) === 0x2002) return { form: '6to4', ipv4: [v4(at(1), at(2))] };
  if (at(0) === 0x2001 && at(1) === 0) return { form: 'teredo', ipv4: [v4(at(2), at(3)), v4(at(6) ^ 0xffff, at(7) ^ 0xffff)] };
  return undefined;
}

/** RFC 6052 section 2.2: the IPv4 address for prefix lengths 48, 56, 64 and 96 (byte 8 is the zero "u" octet). */
function rfc6052Candidates(b: number[]): ipaddr.IPv4[] {
  const octets = (...idx: number[]): ipaddr.IPv4 => new ipaddr.IPv4(idx.map((i) => b[i] ?? 0));
  return [octets(6, 7, 9, 10), octets(7, 9, 10, 11), octets(9, 10, 11, 12), octets(12, 13, 14, 15)];
}

/** Global unicast IPv4: not loopback, private, link-local, CGNAT, multicast, reserved, documentation… */
export function isGlobalIPv4(ip: ipaddr.IPv4): boolean {
  return ip.range() === 'unicast';
}

const GLOBAL_UNICAST_V6: Cidr = ipaddr.parseCIDR('2000::/3');

/** Global unicast IPv6 that embeds no IPv4 address: inside 2000::/3 and in no special range. */
export function isGlobalIPv6(ip: ipaddr.IPv6): boolean {
  return ip.match(GLOBAL_UNICAST_V6) && ip.range() === 'unicast';
}

/**
 * Parses an address as a resolver or a URL gives it, brackets and zone id allowed (the zone
 * does not change where packets go); undefined if it is not a plain IPv4 or IPv6 address.
 * IPv6 goes through the WHATWG URL parser first: ipaddr.js reads `::127.0.0.1` as
 * `::ffff:127.0.0.1`, the URL parser (like the kernel) as `::7f00:1`.
 */
export function parseAddress(address: string): IpAddress | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/s, '');
  try {
    if (isIPv4(bare)) return ipaddr.IPv4.parse(bare);
    if (isIPv6(bare)) return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
  } catch {
    // not an address after all
  }
  return undefined;
}

/** The verdict on one address and, when refused, a short name of the range that refused it. */
export interface Verdict {
  allowed: boolean;
  range: string;
}

/**
 * May a callback connect to this address? Allowed when the operator's `allowNetworks` contain
 * it; otherwise an embedding IPv6 address is judged by every IPv4 address it carries (each
 * must be global, or in `allowNetworks`), and any other address must be global unicast.
 */
export function judgeAddress(address: string, allowed: readonly Cidr[]): Verdict {
  const ip = parseAddress(address);
  if (!ip) return { allowed: false, range: 'invalid' };
  const listed = (a: IpAddress): boolean => allowed.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
  if (listed(ip)) return { allowed: true, range: ip.range() };
  if (ip.kind() === 'ipv4') {
    const four = ip as ipaddr.IPv4;
    return { allowed: isGlobalIPv4(four), range: four.range() };
  }
  const six = ip as ipaddr.IPv6;
  const embedded = embeddedIPv4(six);
  if (!embedded) return { allowed: isGlobalIPv6(six), range: six.range() === 'unicast' && !isGlobalIPv6(six) ? 'not-global' : six.range() };
  const refused = embedded.ipv4.find((inner) => !listed(inner) && !isGlobalIPv4(inner));
  return refused ? { allowed: false, range: `${embedded.form}:${refused.range()}` } : { allowed: true, range: embedded.form };
}
