/**
 * No signing keys young enough to use: the JWKS was never fetched, or its last successful fetch
 * is older than the source's maximum age and the shield cannot be reached. The message says why
 * (status, timeout, refused document); it never holds key material.
 */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}
