import { HEADER_PROOF, HEADER_TOKEN } from '@portcullis/protocol';
import { isShieldOwnedRequestHeader } from './request-header-policy.js';

/** What one pass over the raw request headers found, plus the headers that may be forwarded. */
export interface RequestHeaderFacts {
  /** Flat `[name, value, ...]` list of client headers kept for the upstream (original casing). */
  forward: string[];
  token: string | null;
  tokenCount: number;
  proofCount: number;
  authorization: string | null;
  authorizationCount: number;
  hostCount: number;
  contentType: string | null;
  contentTypeCount: number;
  contentEncoding: boolean;
  contentLength: number | null;
  chunked: boolean;
  /** All Cookie values joined with `; `. */
  cookie: string | null;
  /** The client's X-Forwarded-For values joined with `, ` (null when absent or named in Connection). */
  forwardedFor: string | null;
  /** The client's Forwarded values joined with `, ` (null when absent or named in Connection). */
  forwarded: string | null;
}

/**
 * Reads Node's `rawHeaders` once: counts the headers whose duplicates matter, picks up the token,
 * Authorization, body framing and forwarding headers, and keeps for the upstream every header
 * that is neither owned by the gateway (hop-by-hop, protocol, identity, forwarding, URL or method
 * overrides, in any casing), nor in `removeNames` (the route's injected and removed headers),
 * nor named in the client's Connection header.
 */
export function readRequestHeaders(
  rawHeaders: readonly string[],
  removeNames: ReadonlySet<string>,
): RequestHeaderFacts {
  const facts: RequestHeaderFacts = {
    forward: [],
    token: null,
    tokenCount: 0,
    proofCount: 0,
    authorization: null,
    authorizationCount: 0,
    hostCount: 0,
    contentType: null,
    contentTypeCount: 0,
    contentEncoding: false,
    contentLength: null,
    chunked: false,
    cookie: null,
    forwardedFor: null,
    forwarded: null,
  };
  let connection: string | null = null;
  const forward = facts.forward;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    switch (lower) {
      case HEADER_TOKEN:
        facts.tokenCount++;
        if (value !== '') facts.token = value;
        continue;
      case HEADER_PROOF:
        facts.proofCount++;
        continue;
      case 'host':
        facts.hostCount++;
        continue;
      case 'content-length':
        facts.contentLength = Number(value);
        continue;
      case 'transfer-encoding':
        facts.chunked = true;
        continue;
      case 'content-encoding':
        facts.contentEncoding = true;
        break;
      case 'connection':
        connection = connection === null ? value : `${connection},${value}`;
        continue;
      case 'x-forwarded-for':
        facts.forwardedFor = facts.forwardedFor === null ? value : `${facts.forwardedFor}, ${value}`;
        continue;
      case 'forwarded':
        facts.forwarded = facts.forwarded === null ? value : `${facts.forwarded}, ${value}`;
        continue;
      case 'authorization':
        facts.authorizationCount++;
        facts.authorization ??= value;
        break;
      case 'content-type':
        facts.contentTypeCount++;
        facts.contentType ??= value;
        break;
      case 'cookie':
        facts.cookie = facts.cookie === null ? value : `${facts.cookie}; ${value}`;
        break;
    }
    if (removeNames.has(lower) || isShieldOwnedRequestHeader(lower)) continue;
    forward.push(name, value);
  }
  if (connection !== null) dropConnectionOptions(facts, connection);
  return facts;
}

/** RFC 9110 §7.6.1: every header named in Connection is hop-by-hop and is removed. */
function dropConnectionOptions(facts: RequestHeaderFacts, connection: string): void {
  const named = new Set<string>();
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') named.add(name);
  }
  if (named.size === 0) return;
  if (named.has('x-forwarded-for')) facts.forwardedFor = null;
  if (named.has('forwarded')) facts.forwarded = null;
  const kept: string[] = [];
  const forward = facts.forward;
  for (let i = 0; i + 1 < forward.length; i += 2) {
    if (!named.has(forward[i]!.toLowerCase())) kept.push(forward[i]!, forward[i + 1]!);
  }
  facts.forward = kept;
}
