import { decodeJsonObject } from '../tokens/decode-json-object.js';

const decoded = new WeakMap<Buffer, Record<string, unknown> | null>();

/**
 * The request body as a JSON object, or null when it is not one: not UTF-8, not JSON, not an
 * object at the top, nested deeper than 64, or holding a member name twice. Duplicates are
 * refused because JSON.parse keeps the last copy while some upstream parsers keep the first: a
 * body could then cost 1 here and send a thousand e-mails there. Decoded once per body buffer.
 *
 * @example
 * ```ts
 * readBodyJson(Buffer.from('{"to":["a@example.com"]}')); // { to: ['a@example.com'] }
 * ```
 */
export function readBodyJson(body: Buffer): Record<string, unknown> | null {
  const cached = decoded.get(body);
  if (cached !== undefined) return cached;
  const result = decodeJsonObject(body, { maxDepth: 64, integersOnly: false });
  const value = result.ok ? result.value : null;
  decoded.set(body, value);
  return value;
}
