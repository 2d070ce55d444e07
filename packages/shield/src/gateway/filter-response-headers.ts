import { HEADER_REQUEST_ID } from '@portcullis/protocol';
import { HOP_BY_HOP_HEADERS } from './request-header-policy.js';

const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

/** Header values as undici parses them (lower-case names, repeated headers as arrays). */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

function echoesSecret(value: string | string[], secrets: readonly string[]): boolean {
  for (const secret of secrets) {
    if (typeof value === 'string' ? value.includes(secret) : value.some((v) => v.includes(secret)))
      return true;
  }
  return false;
}

/** Header names come lower-cased from undici: a reflected secret is looked for in lower case. */
function nameEchoesSecret(name: string, secrets: readonly string[]): boolean {
  for (const secret of secrets) if (name.includes(secret.toLowerCase())) return true;
  return false;
}

/**
 * Turns the upstream's response headers into the flat `[name, value, ...]` list the client gets:
 * hop-by-hop headers, `Proxy-*` and every header named in the upstream's Connection header are
 * dropped; so is any header whose value (or name) contains one of the secrets injected into this
 * request (E-30 style: an upstream that echoes request headers). `X-Request-Id` is the gateway's, and
 * `extra` (from checks) is appended. Response bodies are streamed as is and are not scanned.
 */
export function filterResponseHeaders(
  headers: UpstreamHeaders,
  secrets: readonly string[] | null,
  requestId: string,
  extra: readonly string[] | null,
  drop: ReadonlySet<string> | null = null,
): string[] {
  let named: Set<string> | null = null;
  const connection = headers['connection'];
  if (connection !== undefined) {
    named = new Set();
    for (const value of typeof connection === 'string' ? [connection] : connection) {
      for (const token of value.split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || name === HEADER_REQUEST_ID || name.startsWith('proxy-')) continue;
    if (named?.has(name) || drop?.has(name)) continue;
    if (secrets !== null && (echoesSecret(value, secrets) || nameEchoesSecret(name, secrets))) continue;
    if (typeof value === 'string') {
      out.push(name, value);
    } else {
      for (const item of value) out.push(name, item);
    }
  }
  if (extra !== null) out.push(...extra);
  out.push(HEADER_REQUEST_ID, requestId);
  return out;
}
