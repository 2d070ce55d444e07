import type { JsonPathSegment } from './parse-json-path.js';

type Count = number | 'missing' | 'invalid';

/** Recipients in one string: `"a@x.com, b@x.com"` is two (Mailgun and many SMS APIs accept lists). */
function countItems(text: string): number {
  let count = 0;
  for (const part of text.split(/[,;]/)) if (part.trim() !== '') count++;
  return Math.max(1, count);
}

function countValue(value: unknown): Count {
  if (value === null) return 'missing';
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'string') return countItems(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : 'invalid';
  return 'invalid';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countAt(value: unknown, path: readonly JsonPathSegment[], at: number): Count {
  if (at === path.length) return countValue(value);
  if (value === null) return 'missing';
  const segment = path[at]!;
  switch (segment.kind) {
    case 'name':
      if (!isObject(value)) return 'invalid';
      return Object.hasOwn(value, segment.name) ? countAt(value[segment.name], path, at + 1) : 'missing';
    case 'index':
      if (!Array.isArray(value)) return 'invalid';
      return segment.index < value.length ? countAt(value[segment.index], path, at + 1) : 'missing';
    case 'length':
      return Array.isArray(value) ? value.length : 'invalid';
    case 'each': {
      if (!Array.isArray(value)) return 'invalid';
      let sum = 0;
      let present = value.length === 0;
      for (const item of value) {
        const count = countAt(item, path, at + 1);
        if (count === 'invalid') return 'invalid';
        if (count === 'missing') continue;
        present = true;
        sum = Math.min(Number.MAX_SAFE_INTEGER, sum + count);
      }
      return present ? sum : 'missing';
    }
  }
}

/**
 * The cost of a request: the counts at `paths` added up (an array counts its elements, a string
 * its comma- or semicolon-separated items, a non-negative integer itself), at least 1. A path
 * that is absent or null adds nothing. Returns null when the cost cannot be read: no path is
 * present, or one holds something that is not a count (an object, a boolean, a negative or
 * fractional number), which is how `{"to": {"0": "a", "1": "b"}}` would try to pass as zero.
 * Pure; the caller decides what an unreadable cost means.
 *
 * @example
 * ```ts
 * readRequestCost({ to: ['a@x.com', 'b@x.com'], cc: 'c@x.com' }, [parseJsonPath('$.to')!, parseJsonPath('$.cc')!]); // 3
 * ```
 */
export function readRequestCost(
  document: Record<string, unknown>,
  paths: readonly (readonly JsonPathSegment[])[],
): number | null {
  let total = 0;
  let present = false;
  for (const path of paths) {
    const count = countAt(document, path, 0);
    if (count === 'invalid') return null;
    if (count === 'missing') continue;
    present = true;
    total = Math.min(Number.MAX_SAFE_INTEGER, total + count);
  }
  return present ? Math.max(1, total) : null;
}
