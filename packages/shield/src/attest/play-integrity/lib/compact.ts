import { decodeBase64UrlStrict } from '../../../encoding.js';

/** Longest integrity token accepted, in characters (real ones are a few kilobytes). */
export const MAX_TOKEN_LENGTH = 32_768;
/** Longest protected header accepted, in bytes. */
const MAX_HEADER_BYTES = 1_024;

export interface CompactParts {
  segments: string[];
  header: Record<string, unknown>;
}

/**
 * Splits a compact JWE (5 segments) or JWS (3 segments) and decodes its protected header, before
 * any cryptography. Every segment must be the one canonical unpadded base64url spelling of its
 * bytes: jose would also accept variants with different trailing bits, and refusing them here
 * is what makes one verdict have exactly one accepted token string (see playIntegrityReplayKey).
 * Empty segments are allowed here so that an `alg: "dir"` header is refused by the algorithm
 * allow-list with its own code; callers require non-empty segments after that check.
 */
export function splitCompact(token: string, count: 3 | 5): CompactParts | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const segments = token.split('.');
  if (segments.length !== count) return undefined;
  for (const segment of segments) {
    if (decodeBase64UrlStrict(segment) === undefined) return undefined;
  }
  const headerBytes = decodeBase64UrlStrict(segments[0] ?? '');
  if (headerBytes === undefined || headerBytes.length === 0 || headerBytes.length > MAX_HEADER_BYTES)
    return undefined;
  const header = parseJsonObject(headerBytes);
  if (header === undefined) return undefined;
  return { segments, header };
}

/** True when every segment is non-empty. */
export function allSegmentsPresent(parts: CompactParts): boolean {
  return parts.segments.every((segment) => segment.length > 0);
}

/** Parses UTF-8 JSON that must be a plain object; undefined for anything else. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  return isPlainObject(value) ? value : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
