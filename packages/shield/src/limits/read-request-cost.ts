import { countAddresses } from './count-addresses.js';
import type { JsonPathSegment } from './parse-json-path.js';

/** How a budget reads a count: recipients, or elements and numbers. See `CostSpec.count`. */
export type CostCounting = 'addresses' | 'elements';

type Count = number | 'missing' | 'invalid';

/** Recipients in one string: `"a@x.com, b@x.com"` is two (Mailgun and many SMS APIs accept lists). */
function countItems(text: string): number {
  let count = 0;
  for (const part of text.split(/[,;]/)) if (part.trim() !== '') count++;
  return Math.max(1, count);
}

function countElements(value: unknown): Count {
  if (value === null) return 'missing';
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'string') return countItems(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : 'invalid';
  return 'invalid';
}

/**
 * Recipients anywhere under a value: a string's addresses, an array's (nested arrays too, null
 * elements adding nothing), the `email` member of an object (`{"email": "a@x", "name": "Ana"}`, as
 * SendGrid, Brevo and Mailchimp write recipients). Numbers, booleans and objects without `email`
 * are not recipients the shield can count. Depth is bounded by the body decoder (64).
 */
function countAddressesIn(value: unknown): Count {
  if (value === null) return 'missing';
  if (typeof value === 'string') return countAddresses(value) ?? 'invalid';
  if (Array.isArray(value)) {
    let sum = 0;
    for (const item of value) {
      const count = countAddressesIn(item);
      if (count === 'invalid') return 'invalid';
      if (count !== 'missing') sum = Math.min(Number.MAX_SAFE_INTEGER, sum + count);
    }
    return sum;
  }
  if (isObject(value)) {
    const email = memberOf(value, 'email');
    return email === FOLDED ? 'invalid' : email === undefined ? 'invalid' : countAddressesIn(email);
  }
  return 'invalid';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A member spelled only in another case (`TO` for `to`): a case-insensitive backend reads it. */
const FOLDED = Symbol('folded');

function fold(name: string): string {
  return name.toUpperCase().toLowerCase();
}

/**
 * The member `name` of `object`, undefined when absent, or FOLDED when absent but present in
 * another case: Go's encoding/json and other case-insensitive binders would read `{"TO": [...]}`
 * as `to`, so counting it as absent would let its recipients through at no cost.
 */
function memberOf(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const folded = fold(name);
  for (const key of Object.keys(object)) if (fold(key) === folded) return FOLDED;
  return undefined;
}

function countAt(
  value: unknown,
  path: readonly JsonPathSegment[],
  at: number,
  counting: CostCounting,
): Count {
  if (at === path.length) return counting === 'addresses' ? countAddressesIn(value) : countElements(value);
  if (value === null) return 'missing';
  const segment = path[at]!;
  switch (segment.kind) {
    case 'name': {
      if (!isObject(value)) return 'invalid';
      const member = memberOf(value, segment.name);
      if (member === FOLDED) return 'invalid';
      return member === undefined ? 'missing' : countAt(member, path, at + 1, counting);
    }
    case 'index':
      if (!Array.isArray(value)) return 'invalid';
      return segment.index < value.length ? countAt(value[segment.index], path, at + 1, counting) : 'missing';
    case 'length':
      return Array.isArray(value) ? value.length : 'invalid';
    case 'each': {
      if (!Array.isArray(value)) return 'invalid';
      let sum = 0;
      let present = value.length === 0;
      for (const item of value) {
        const count = countAt(item, path, at + 1, counting);
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
 * The cost of a request: the counts at `paths` added up, at least 1. `counting` says what a count
 * is. `'addresses'`: the recipients under the path (countAddresses for strings, summed over
 * arrays at any depth, an object's `email`), so `["a@x, b@x", ["c@x"]]` is 3. `'elements'`: an
 * array's length, a string's comma- or semicolon-separated items, a non-negative integer itself.
 * A path that is absent or null adds nothing. Returns null when the cost cannot be read: no path
 * is present, one holds something that is not a count of its kind (an object, a boolean, a
 * negative or fractional number; in `addresses`, any number or an object without `email`), an
 * address list it cannot read (an open `<`), or a member spelled only in another case (`TO` for
 * `to`). That is how `{"to": {"0": "a", "1": "b"}}` would try to pass as zero. Pure; the caller
 * decides what an unreadable cost means.
 *
 * @example
 * ```ts
 * readRequestCost({ to: ['a@x.com, b@x.com'], cc: 'c@x.com' }, [parseJsonPath('$.to')!, parseJsonPath('$.cc')!], 'addresses'); // 3
 * ```
 */
export function readRequestCost(
  document: Record<string, unknown>,
  paths: readonly (readonly JsonPathSegment[])[],
  counting: CostCounting,
): number | null {
  let total = 0;
  let present = false;
  for (const path of paths) {
    const count = countAt(document, path, 0, counting);
    if (count === 'invalid') return null;
    if (count === 'missing') continue;
    present = true;
    total = Math.min(Number.MAX_SAFE_INTEGER, total + count);
  }
  return present ? Math.max(1, total) : null;
}
