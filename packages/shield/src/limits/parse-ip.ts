import { isIPv4, isIPv6 } from 'node:net';

/** An IP address in one canonical form. */
export interface ParsedIp {
  family: 4 | 6;
  /** 4 or 16 bytes in network order. */
  bytes: Uint8Array;
  /** Dotted quad, or RFC 5952 text (lower case, longest zero run as `::`). */
  text: string;
}

function parseIpv4Bytes(text: string): Uint8Array | null {
  if (!isIPv4(text)) return null;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIpv6Bytes(text: string): Uint8Array | null {
  if (!isIPv6(text)) return null;
  const bytes = new Uint8Array(16);
  let body = text;
  let tail: Uint8Array | null = null;
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    tail = parseIpv4Bytes(body.slice(lastColon + 1));
    if (tail === null) return null;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups =
    rest === undefined ? headGroups : [...headGroups, ...new Array<string>(missing).fill('0'), ...restGroups];
  if (groups.length !== 8) return null;
  for (let i = 0; i < 8; i++) {
    const value = Number.parseInt(groups[i]!, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  }
  if (tail !== null) bytes.set(tail, 12);
  return bytes;
}

function isMappedIpv4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Parses an IPv4 or IPv6 literal into one canonical form: IPv4-mapped IPv6 (`::ffff:1.2.3.4`,
 * `::ffff:102:304`) becomes IPv4, a zone (`%eth0`) is dropped, IPv6 is written per RFC 5952.
 * Returns null for anything else (host names, ports, brackets, garbage). Pure; never throws.
 *
 * @example
 * ```ts
 * parseIp('::FFFF:10.0.0.1')?.text; // '10.0.0.1'
 * parseIp('2001:DB8:0:0:0:0:0:1')?.text; // '2001:db8::1'
 * ```
 */
export function parseIp(input: string): ParsedIp | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > 64) return null;
  const zone = input.indexOf('%');
  const text = zone === -1 ? input : input.slice(0, zone);
  const v4 = parseIpv4Bytes(text);
  if (v4 !== null) return { family: 4, bytes: v4, text: Array.from(v4).join('.') };
  const v6 = parseIpv6Bytes(text);
  if (v6 === null) return null;
  if (isMappedIpv4(v6)) {
    const mapped = v6.slice(12);
    return { family: 4, bytes: mapped, text: Array.from(mapped).join('.') };
  }
  return { family: 6, bytes: v6, text: formatIpv6(v6) };
}
