import { createHash } from 'node:crypto';

/**
 * The audit form of an identifier (device key id, user Authorization value): the first 32 hex
 * characters (128 bits) of its SHA-256, so records can be correlated without holding the value.
 *
 * @example
 * hashIdentifier('Bearer user-a'); // 32 lower-case hex characters
 */
export function hashIdentifier(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
