import { parseIp } from './parse-ip.js';

/** The proxy chain a forwarding header describes, client first, nearest proxy last. */
export interface ForwardedHops {
  /** Canonical IP text of each hop, or null for a hop that is not an IP (`unknown`, `_hidden`, garbage). */
  hops: (string | null)[];
  /** True when the header held more than `maxHops` hops; only the last `maxHops` are kept. */
  truncated: boolean;
}

/** An IP with an optional port: `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]`, `[2001:db8::1]:443`, `2001:db8::1`. */
function parseNode(value: string): string | null {
  let text = value.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const after = text.slice(close + 1);
    if (after !== '' && !/^:\d{1,5}$/.test(after)) return null;
    text = text.slice(1, close);
    return parseIp(text)?.text ?? null;
  }
  const port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (port !== null) text = port[1]!;
  return parseIp(text)?.text ?? null;
}

/** Splits on `separator` outside quoted strings; null when a quote is left open. */
function splitOutsideQuotes(text: string, separator: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < text.length) {
        current += text[i + 1]!;
        i++;
      } else if (c === '"') {
        quoted = false;
      }
    } else if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (quoted) return null;
  parts.push(current);
  return parts;
}

/** RFC 7239 §4 quoted-string or token value. */
function unquote(value: string): string | null {
  const text = value.trim();
  if (!text.startsWith('"')) return text;
  if (text.length < 2 || !text.endsWith('"')) return null;
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** The `for=` node of each Forwarded element (RFC 7239 §5.2); null for an element without one. */
function forwardedElements(value: string): (string | null)[] | null {
  const elements = splitOutsideQuotes(value, ',');
  if (elements === null) return null;
  const nodes: (string | null)[] = [];
  for (const element of elements) {
    if (element.trim() === '') continue;
    const pairs = splitOutsideQuotes(element, ';');
    if (pairs === null) return null;
    let node: string | null = null;
    for (const pair of pairs) {
      const equals = pair.indexOf('=');
      if (equals === -1) continue;
      if (pair.slice(0, equals).trim().toLowerCase() !== 'for') continue;
      const raw = unquote(pair.slice(equals + 1));
      node = raw === null ? null : parseNode(raw);
      break;
    }
    nodes.push(node);
  }
  return nodes;
}

/**
 * Reads the hops of `X-Forwarded-For` or `Forwarded` (every field line, in order) from Node's
 * `rawHeaders`. Pure and total: it judges nothing and never throws; a broken header (an open
 * quote) gives null, a hop that is not an IP address gives a null hop.
 *
 * @example
 * ```ts
 * parseForwardedHops(['X-Forwarded-For', '203.0.113.9, 10.0.0.2'], 'x-forwarded-for', 32);
 * // { hops: ['203.0.113.9', '10.0.0.2'], truncated: false }
 * ```
 */
export function parseForwardedHops(
  rawHeaders: readonly string[],
  header: 'x-forwarded-for' | 'forwarded',
  maxHops: number,
): ForwardedHops | null {
  const hops: (string | null)[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== header) continue;
    const value = rawHeaders[i + 1]!;
    if (value.length > 8192) return null;
    if (header === 'forwarded') {
      const nodes = forwardedElements(value);
      if (nodes === null) return null;
      hops.push(...nodes);
    } else {
      for (const part of value.split(',')) {
        if (part.trim() === '') continue;
        hops.push(parseNode(part));
      }
    }
  }
  const truncated = hops.length > maxHops;
  return { hops: truncated ? hops.slice(hops.length - maxHops) : hops, truncated };
}
