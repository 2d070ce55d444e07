import type { TokenAlgorithm } from '@portcullis/protocol/verification';

/**
 * A Web Crypto key, named through the global `crypto` so the same code type-checks against the
 * DOM library (Workers, Deno, browsers) and Node's own declarations.
 */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A public key able to verify app tokens, pinned to one algorithm and key type (a Web Crypto key). */
export interface WebVerificationKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  /** ECDSA P-256 for ES256, Ed25519 for EdDSA; usable for `verify` only. */
  readonly key: WebCryptoKey;
}

/**
 * Where a verifier finds keys: by kid only, never at a URL, file or host the token names. A
 * source may stop returning a key (retirement) at any time.
 */
export interface KeySource {
  /**
   * The key for `kid`, or undefined when no key has this kid. A remote source fetches first when
   * its keys are due for a refresh or do not know `kid` (at most once per cooldown), and answers
   * synchronously otherwise (the verifier's cache-hit path stays free of extra awaits). Throws
   * (or rejects with) `KeysUnavailableError` when it holds no keys young enough to use.
   */
  lookup(kid: string): WebVerificationKey | undefined | Promise<WebVerificationKey | undefined>;
}
