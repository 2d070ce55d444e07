import { formatIpv6, parseIp } from './parse-ip.js';

/** Checks an IPv6 prefix length option (1 to 128); throws a TypeError naming `name`. */
export function assertIpv6PrefixLength(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > 128) {
    throw new TypeError(`${name} must be an integer from 1 to 128`);
  }
  return value;
}

/**
 * The identity a per-IP limit counts by. An IPv4 client is its address; an IPv6 client is its
 * network prefix (`/64` by default), since one subscriber usually holds a whole /64 and can
 * rotate through 2^64 addresses in it. IPv4-mapped IPv6 counts as the IPv4 address. Text that is
 * not an IP address is returned trimmed and lower-cased (it still gets a bucket of its own).
 *
 * @example
 * ```ts
 * limitKeyForIp('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 * limitKeyForIp('::ffff:192.0.2.7'); // '192.0.2.7'
 * ```
 */
export function limitKeyForIp(ip: string, ipv6PrefixLength = 64): string {
  assertIpv6PrefixLength(ipv6PrefixLength, 'ipv6PrefixLength');
  const parsed = parseIp(ip);
  if (parsed === null) return String(ip).trim().toLowerCase();
  if (parsed.family === 4) return parsed.text;
  const masked = new Uint8Array(16);
  for (let bit = 0; bit < ipv6PrefixLength; bit += 8) {
    const byte = bit >> 3;
    const keep = Math.min(8, ipv6PrefixLength - bit);
    masked[byte] = parsed.bytes[byte]! & (0xff << (8 - keep)) & 0xff;
  }
  return `${formatIpv6(masked)}/${ipv6PrefixLength}`;
}
