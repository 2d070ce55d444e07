import { keyMatchesAlgorithm } from './import-verification-jwk.js';
import { KID_PATTERN, TOKEN_ALGORITHMS, type VerificationKey, type VerificationKeySource } from './types.js';

/**
 * A fixed, in-memory set of verification keys indexed by kid: for a verifier that reads another
 * shield's JWKS, for tests and for the Wycheproof runs. Throws a TypeError when a key is not
 * pinned correctly (alg outside the allow-list, key type not matching alg) or a kid repeats.
 *
 * @example
 * ```ts
 * const keys = createStaticKeySource([importVerificationJwk(jwk)]);
 * keys.verificationKey(jwk.kid); // the key, or undefined for any other kid
 * ```
 */
export function createStaticKeySource(keys: readonly VerificationKey[]): VerificationKeySource {
  const byKid = new Map<string, VerificationKey>();
  for (const key of keys) {
    if (!KID_PATTERN.test(key.kid)) {
      throw new TypeError('createStaticKeySource: a kid is not a short printable string');
    }
    if (
      !(TOKEN_ALGORITHMS as readonly string[]).includes(key.alg) ||
      !keyMatchesAlgorithm(key.publicKey, key.alg)
    ) {
      throw new TypeError(`createStaticKeySource: key ${key.kid} is not a public key of type ${key.alg}`);
    }
    if (key.publicKey.type !== 'public') {
      throw new TypeError(`createStaticKeySource: key ${key.kid} is not a public key`);
    }
    if (byKid.has(key.kid)) throw new TypeError(`createStaticKeySource: kid ${key.kid} appears twice`);
    byKid.set(key.kid, key);
  }
  return { verificationKey: (kid) => byKid.get(kid) };
}
