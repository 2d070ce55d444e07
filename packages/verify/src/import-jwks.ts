import { parseVerificationJwk } from '@portcullis/protocol/verification';
import type { WebCryptoKey, WebVerificationKey } from './key-source.js';

/** Most keys a JWKS may hold: a shield publishes two or three (next, active, retiring). */
export const MAX_JWKS_KEYS = 32;

/** The keys of a JWKS document, by kid, and the ones skipped with why. */
export interface ImportedJwks {
  keys: ReadonlyMap<string, WebVerificationKey>;
  /** `kid: problem` (or `#index: problem`) of each key that could not be used. */
  skipped: string[];
}

/** The material each imported key came from, to recognise an unchanged key on the next refresh. */
const sourceMaterial = new WeakMap<WebVerificationKey, string>();

/**
 * Imports a JWKS document (`{ keys: [...] }`) with Web Crypto. Each key is checked by the shared
 * `parseVerificationJwk` (public ES256 P-256 or EdDSA Ed25519 keys for signatures only) and
 * imported for `verify` only; a key that fails either is skipped and reported. A document that is
 * not a JWKS, holds more than 32 keys, repeats a kid or has no usable key is refused (throws an
 * Error whose message says why): a verifier then keeps the keys it had. `previous` lets an
 * unchanged key keep its identity across refreshes, so tokens cached under it stay cached.
 *
 * @example
 * ```ts
 * const { keys } = await importJwks(await response.json());
 * ```
 */
export async function importJwks(
  document: unknown,
  previous?: ReadonlyMap<string, WebVerificationKey>,
): Promise<ImportedJwks> {
  if (
    typeof document !== 'object' ||
    document === null ||
    !Array.isArray((document as { keys?: unknown }).keys)
  ) {
    throw new Error('the JWKS is not a JSON object with a keys array');
  }
  const entries = (document as { keys: unknown[] }).keys;
  if (entries.length > MAX_JWKS_KEYS) throw new Error(`the JWKS holds more than ${MAX_JWKS_KEYS} keys`);
  const keys = new Map<string, WebVerificationKey>();
  const skipped: string[] = [];
  const kids = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const kid = (entry as { kid?: unknown } | null)?.kid;
    if (typeof kid === 'string') {
      if (kids.has(kid)) throw new Error(`the JWKS repeats kid ${JSON.stringify(kid.slice(0, 128))}`);
      kids.add(kid);
    }
    const parsed = parseVerificationJwk(entry);
    if (!parsed.ok) {
      skipped.push(`${typeof kid === 'string' ? kid.slice(0, 128) : `#${index}`}: ${parsed.problem}`);
      continue;
    }
    const { alg, material } = parsed.jwk;
    const id = JSON.stringify(material);
    const known = previous?.get(parsed.jwk.kid);
    if (known !== undefined && known.alg === alg && sourceMaterial.get(known) === id) {
      keys.set(known.kid, known);
      continue;
    }
    let key: WebCryptoKey;
    try {
      key = await crypto.subtle.importKey(
        'jwk',
        material,
        alg === 'ES256' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' },
        false,
        ['verify'],
      );
    } catch {
      skipped.push(`${parsed.jwk.kid}: the key is not a valid point`);
      continue;
    }
    const imported: WebVerificationKey = Object.freeze({ kid: parsed.jwk.kid, alg, key });
    sourceMaterial.set(imported, id);
    keys.set(imported.kid, imported);
  }
  if (keys.size === 0) throw new Error(`the JWKS has no usable key (${skipped.join('; ') || 'empty'})`);
  return { keys, skipped };
}
