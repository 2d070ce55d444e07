import { importJwks } from './import-jwks.js';
import type { KeySource } from './key-source.js';

/**
 * A fixed set of keys from a JWKS document you hold (a copy of the shield's
 * `/.well-known/jwks.json`, or keys in a test), imported once with Web Crypto. It never fetches:
 * a rotation on the shield needs a new source. Rejects when the document is not a usable JWKS
 * (see `importJwks`); keys it cannot use are left out.
 *
 * @example
 * ```ts
 * const keys = await createStaticJwks(JSON.parse(env.PORTCULLIS_JWKS));
 * ```
 */
export async function createStaticJwks(document: unknown): Promise<KeySource> {
  const { keys } = await importJwks(document);
  return { lookup: (kid) => keys.get(kid) };
}
