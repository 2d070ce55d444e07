import { hash } from 'node:crypto';

/**
 * The audit form of an identifier (device key id, user Authorization value): the first 32 hex
 * characters (128 bits) of its SHA-256, so records can be correlated without holding the value.
 * One-shot `crypto.hash` (no Hash object): measured 0.5 µs against 1.6 µs for
 * createHash().update().digest(), and the gateway calls it on every request with a device key.
 *
 * @example
 * hashIdentifier('Bearer user-a'); // 32 lower-case hex characters
 */
export function hashIdentifier(value: string): string {
  return hash('sha256', value, 'hex').slice(0, 32);
}
