import type { AppTokenClaims } from '@portcullis/protocol';
import { decodeBase64UrlStrict } from '../encoding.js';
import { isShieldError } from '../errors.js';

/** What `portcullis token inspect` shows. Signature bytes are never included. */
export interface TokenInspection {
  /** The decoded protected header, or null when it does not decode to a JSON object. */
  header: Record<string, unknown> | null;
  /** The decoded claims, or null when they do not decode to a JSON object. UNTRUSTED unless verdict is 'valid'. */
  claims: Record<string, unknown> | null;
  /** 'unverified' whenever no verifier was given: a decode alone never decides anything. */
  verdict: 'valid' | 'invalid' | 'unverified';
  /** The refusal reason when verdict is 'invalid' (a TOKEN_FAILURE_REASONS code). */
  reason?: string;
}

/** Longest input inspect() decodes (larger than the verifier's cap, so oversize tokens can be looked at). */
const MAX_INSPECT_LENGTH = 16 * 1024;

function decodeSegment(segment: string | undefined): Record<string, unknown> | null {
  if (segment === undefined || segment === '') return null;
  const bytes = decodeBase64UrlStrict(segment);
  if (bytes === undefined) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Decodes a token's header and claims for display WITHOUT trusting them, and, when a verifier
 * is given, reports its verdict. Without a verifier the verdict is always 'unverified'. The
 * signature segment is never decoded or returned.
 *
 * @example
 * ```ts
 * const view = await inspectToken(token, verifier);
 * if (view.verdict === 'invalid') console.log(view.reason);
 * ```
 */
export async function inspectToken(
  token: string,
  verifier?: { verify(token: string): Promise<AppTokenClaims> },
): Promise<TokenInspection> {
  const text = typeof token === 'string' ? token.trim() : '';
  const segments = text.length <= MAX_INSPECT_LENGTH ? text.split('.', 2) : [];
  const header = decodeSegment(segments[0]);
  const claims = decodeSegment(segments[1]);
  if (verifier === undefined) return { header, claims, verdict: 'unverified' };
  try {
    await verifier.verify(token);
    return { header, claims, verdict: 'valid' };
  } catch (error) {
    if (!isShieldError(error)) throw error;
    return { header, claims, verdict: 'invalid', reason: error.reason };
  }
}
