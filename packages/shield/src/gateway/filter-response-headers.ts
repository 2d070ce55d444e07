import { HEADER_REQUEST_ID } from '@portcullis/protocol';
import type { SecretMatcher } from './compile-secret-matcher.js';
import { HOP_BY_HOP_HEADERS } from './request-header-policy.js';

const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

/** Header values as undici parses them (lower-case names, repeated headers as arrays). */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** Counts what `filterResponseHeaders` dropped because it carried a secret (for the audit record). */
export interface SecretEchoTally {
  headers: number;
}

function echoesSecret(name: string, value: string | string[], secrets: SecretMatcher): boolean {
  // The matcher folds letter case, so names (lower-cased by undici) are checked like values.
  if (secrets.foundIn(name)) return true;
  return typeof value === 'string' ? secrets.foundIn(value) : value.some((v) => secrets.foundIn(v));
}

/**
 * Turns the upstream's response headers into the flat `[name, value, ...]` list the client gets:
 * hop-by-hop headers, `Proxy-*` and every header named in the upstream's Connection header are
 * dropped; so is any header whose value (or name) holds any form (`secretForms`: raw, other letter
 * case, base64, percent-encoded, JSON-escaped, ...) of a secret injected into this request (E-30
 * style: an upstream that echoes request headers), counted in `tally`. `X-Request-Id` is the
 * gateway's, and `extra` (from checks) is appended. The body is scanned by `forward`.
 */
export function filterResponseHeaders(
  headers: UpstreamHeaders,
  secrets: SecretMatcher | null,
  requestId: string,
  extra: readonly string[] | null,
  drop: ReadonlySet<string> | null = null,
  tally: SecretEchoTally | null = null,
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
    if (secrets !== null && echoesSecret(name, value, secrets)) {
      if (tally !== null) tally.headers++;
      continue;
    }
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
