import { decodeJsonObject } from '../tokens/decode-json-object.js';

const decoded = new WeakMap<Buffer, Record<string, unknown> | null>();

/**
 * The request body as a JSON object, or null when it is not one: not UTF-8, not JSON, not an
 * object at the top, nested deeper than 64, or holding a member name twice, also spelled in
 * another case (`to` and `TO`). Duplicates are refused because JSON.parse keeps the last copy
 * while some upstream parsers keep the first, and case-insensitive ones (Go's encoding/json)
 * merge `to` and `TO`: a body could then cost 1 here and send a thousand e-mails there. Decoded
 * once per body buffer.
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
  const value = result.ok && !hasFoldedDuplicate(result.value) ? result.value : null;
  decoded.set(body, value);
  return value;
}

/**
 * True when an object anywhere in `value` has two member names that are equal ignoring case
 * (Unicode simple folding, so `recipientſ` is `recipients`). Go's encoding/json and other
 * case-insensitive binders fill one field from every such name, the last one winning.
 */
function hasFoldedDuplicate(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasFoldedDuplicate);
  if (typeof value !== 'object' || value === null) return false;
  const seen = new Set<string>();
  for (const [name, member] of Object.entries(value)) {
    const folded = name.toUpperCase().toLowerCase();
    if (seen.has(folded)) return true;
    seen.add(folded);
    if (hasFoldedDuplicate(member)) return true;
  }
  return false;
}
