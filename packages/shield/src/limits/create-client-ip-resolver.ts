import { BlockList } from 'node:net';
import { assertIpv6PrefixLength, limitKeyForIp } from './limit-key-for-ip.js';
import { parseForwardedHops } from './parse-forwarded-hops.js';
import { parseIp } from './parse-ip.js';

/** The parts of a node:http request the resolver reads. */
export interface ClientIpRequest {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly rawHeaders: readonly string[];
}

export interface ClientIpResolverOptions {
  /** IPs and CIDR blocks (IPv4 and IPv6) of the proxies in front of the shield. Empty: trust none. */
  trustedProxies: readonly string[];
  /** Prefix length that groups IPv6 clients in `limitKey`, 1 to 128. Default 64. */
  ipv6PrefixLength?: number;
  /**
   * The one forwarding header the trusted proxies write. Default `x-forwarded-for`. Only one is
   * read: a proxy that appends to one of them passes the client's copy of the other untouched.
   */
  header?: 'x-forwarded-for' | 'forwarded';
  /** Most hops examined, right to left; a longer chain of trusted hops falls back to the peer. Default 32. */
  maxHops?: number;
}

/** Resolves the client address of a request; `limitKey` turns it into a per-IP limit identity. */
export interface ClientIpResolver {
  (req: ClientIpRequest): string;
  readonly ipv6PrefixLength: number;
  limitKey(ip: string): string;
}

function buildTrust(entries: readonly string[]): BlockList {
  const list = new BlockList();
  entries.forEach((entry, index) => {
    const fail = () => new TypeError(`trustedProxies[${index}] must be an IP address or a CIDR block`);
    if (typeof entry !== 'string') throw fail();
    const [address = '', prefixText, extra] = entry.trim().split('/');
    const parsed = parseIp(address);
    if (parsed === null || extra !== undefined || address.includes('%')) throw fail();
    const bits = parsed.family === 4 ? 32 : 128;
    let prefix = bits;
    if (prefixText !== undefined) {
      if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) throw fail();
      prefix = Number(prefixText);
      // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) is the IPv4 block it maps.
      if (parsed.family === 4 && address.includes(':')) prefix -= 96;
      if (prefix < 0 || prefix > bits) throw fail();
    }
    list.addSubnet(parsed.text, prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
  });
  return list;
}

/**
 * Builds the function that says which address a request comes from (E-18). It is the socket
 * peer, unless the peer is a trusted proxy: then it is the rightmost hop of the configured
 * forwarding header that is not itself a trusted proxy (Envoy's `xff_num_trusted_hops` model).
 * Hops to the left of that one are client-written and never read. A malformed header, a hop that
 * is not an IP, or only trusted hops beyond `maxHops` fall back to the peer; nothing throws.
 * Addresses come back canonical (IPv4-mapped IPv6 as IPv4, IPv6 per RFC 5952). Bad options throw
 * a TypeError here, not per request.
 *
 * @example
 * ```ts
 * const clientIp = createClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
 * const server = createHttpServer((req, res) => gateway.handle(req, res, randomUUID(), clientIp(req)));
 * clientIp.limitKey('2001:db8:1:2::7'); // '2001:db8:1:2::/64'
 * ```
 */
export function createClientIpResolver(options: ClientIpResolverOptions): ClientIpResolver {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (!Array.isArray(options.trustedProxies as unknown))
    throw new TypeError('trustedProxies must be an array');
  const prefixLength = assertIpv6PrefixLength(options.ipv6PrefixLength ?? 64, 'ipv6PrefixLength');
  const header = options.header ?? 'x-forwarded-for';
  if (header !== 'x-forwarded-for' && header !== 'forwarded') {
    throw new TypeError("header must be 'x-forwarded-for' or 'forwarded'");
  }
  const maxHops = options.maxHops ?? 32;
  if (!Number.isSafeInteger(maxHops) || maxHops < 1 || maxHops > 256) {
    throw new TypeError('maxHops must be an integer from 1 to 256');
  }
  const trust = buildTrust(options.trustedProxies);
  const anyTrusted = options.trustedProxies.length > 0;

  const trusted = (ip: string): boolean => trust.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');

  const resolve = (req: ClientIpRequest): string => {
    const raw = req.socket.remoteAddress ?? '';
    const peer = parseIp(raw)?.text ?? raw;
    if (!anyTrusted || peer === '' || !trusted(peer)) return peer;
    const forwarded = parseForwardedHops(req.rawHeaders, header, maxHops);
    if (forwarded === null || forwarded.hops.length === 0) return peer;
    const { hops } = forwarded;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (hop === null) return peer;
      if (!trusted(hop)) return hop;
    }
    // Every hop is a trusted proxy: the leftmost is the client, unless the chain was cut short.
    return forwarded.truncated ? peer : hops[0]!;
  };

  return Object.assign(resolve, {
    ipv6PrefixLength: prefixLength,
    limitKey: (ip: string) => limitKeyForIp(ip, prefixLength),
  });
}
