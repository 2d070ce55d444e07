import { timingSafeEqual } from 'node:crypto';
import { authorizationBindingHash } from '@portcullis/protocol';
import { sha256 } from '../encoding.js';
import type { GatewayCheck, GatewayCheckContext } from '../gateway/types.js';
import { proofError } from './proof-error.js';
import type { ProofFailureCode } from './proof-failure-reasons.js';

/** Options of `createAuthorizationBindingCheck`. */
export interface AuthorizationBindingCheckOptions {
  /**
   * Route ids whose tokens must be bound to the Authorization header: a token without `ath` is
   * refused there. Default: none (only tokens that carry `ath` are held to it).
   */
  requireBinding?: Iterable<string>;
}

/**
 * The gateway check for tokens bound to the user's `Authorization` header (protocol §4.6, the
 * `ath` claim), `phase: 'headers'`. On every route with a token: a token with `ath` must come with
 * an Authorization header whose exact bytes hash to it (SHA-256, compared in constant time), else
 * 401 `binding_mismatch`. No canonicalisation: `Bearer x` and `bearer x` differ. Routes listed in
 * `requireBinding` also refuse tokens without `ath`. Routes with proofs get the same binding from
 * the proof message; this check is for routes that need a token but no proof.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ routes, checks: [createAuthorizationBindingCheck(), proofs], ...rest });
 * ```
 */
export function createAuthorizationBindingCheck(
  options: AuthorizationBindingCheckOptions = {},
): GatewayCheck {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const required = new Set<string>();
  if (options.requireBinding !== undefined) {
    const ids: unknown = options.requireBinding;
    // A string is iterable too: 'pay' would silently mean the routes 'p', 'a' and 'y'.
    if (typeof ids === 'string' || typeof (ids as Iterable<string>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError('requireBinding must be an iterable of route ids');
    }
    for (const id of options.requireBinding) {
      if (typeof id !== 'string' || id === '') throw new TypeError('requireBinding must hold route ids');
      required.add(id);
    }
  }

  function refuse(context: GatewayCheckContext, code: ProofFailureCode): never {
    context.setResponseHeader('www-authenticate', 'Portcullis realm="app", error="binding_mismatch"');
    throw proofError(code);
  }

  function run(context: GatewayCheckContext): void {
    const claims = context.claims;
    if (claims === null) return;
    const ath = claims.ath;
    if (ath === undefined) {
      if (required.has(context.route.id)) refuse(context, 'binding_token_unbound');
      return;
    }
    const authorization = context.headers.authorization;
    if (authorization === undefined) refuse(context, 'binding_authorization_missing');
    let actual: string;
    try {
      actual = authorizationBindingHash(authorization, sha256);
    } catch {
      refuse(context, 'binding_authorization_not_canonical');
    }
    // Both are 43 base64url characters when ath is well formed (the token verifier checks it).
    const expected = Buffer.from(ath, 'latin1');
    const given = Buffer.from(actual, 'latin1');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      refuse(context, 'binding_authorization_mismatch');
    }
  }

  return { name: 'authorization-binding', phase: 'headers', run };
}
