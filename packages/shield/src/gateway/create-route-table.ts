import { METHODS } from 'node:http';
import { canonicalizePath } from './canonicalize-path.js';

/** What a route table needs from a route. */
export interface RoutePattern {
  id: string;
  methods: readonly string[];
  path: string;
}

/** The outcome of a lookup: a route index, 405 with its Allow value, or 404. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly index: number }
  | { readonly kind: 'method_not_allowed'; readonly allow: string }
  | { readonly kind: 'not_found' };

export interface RouteTable {
  /** Looks up a canonical path (from `canonicalizePath`) and a method. */
  match(method: string, path: string): RouteMatch;
}

/** Methods no route may list: TRACE/TRACK echo requests (with injected secrets), CONNECT tunnels. */
const NEVER_ROUTED = new Set(['TRACE', 'TRACK', 'CONNECT']);
const KNOWN_METHODS = new Set(METHODS);

interface CompiledPattern {
  index: number;
  id: string;
  methods: ReadonlySet<string>;
  /** Literal segments, or null for a `*` segment. */
  segments: readonly (string | null)[];
  /** True when the pattern ends with `**` (one or more further segments). */
  rest: boolean;
  literalCount: number;
}

interface ExactEntry {
  byMethod: Map<string, RouteMatch>;
  notAllowed: RouteMatch;
}

const NOT_FOUND: RouteMatch = Object.freeze({ kind: 'not_found' });

function parsePattern(route: RoutePattern, index: number): CompiledPattern {
  const where = `route "${route.id}" path`;
  const path = route.path;
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`${where} must start with /`);
  const raw = path === '/' ? [] : path.slice(1).split('/');
  const segments: (string | null)[] = [];
  let rest = false;
  raw.forEach((segment, i) => {
    if (segment === '') {
      throw new TypeError(`${where} has an empty segment (// or a trailing /)`);
    } else if (segment === '**') {
      if (i !== raw.length - 1) throw new TypeError(`${where}: ** is only allowed as the last segment`);
      rest = true;
    } else if (segment === '*') {
      segments.push(null);
    } else {
      if (segment.includes('*')) throw new TypeError(`${where}: wildcards must be whole segments (* or **)`);
      const canonical = canonicalizePath(`/${segment}`);
      if (!canonical.ok || canonical.query !== null || canonical.path !== `/${segment}`) {
        throw new TypeError(`${where} is not canonical at segment "${segment}" (see canonicalizePath)`);
      }
      segments.push(segment);
    }
  });
  if (!Array.isArray(route.methods) || route.methods.length === 0) {
    throw new TypeError(`route "${route.id}" methods must list at least one method`);
  }
  const methods = new Set<string>();
  for (const method of route.methods) {
    if (typeof method !== 'string' || method !== method.toUpperCase() || !KNOWN_METHODS.has(method)) {
      throw new TypeError(`route "${route.id}" methods: ${String(method)} is not an upper-case HTTP method`);
    }
    if (NEVER_ROUTED.has(method))
      throw new TypeError(`route "${route.id}" methods: ${method} is never forwarded`);
    if (methods.has(method)) throw new TypeError(`route "${route.id}" methods: ${method} is listed twice`);
    methods.add(method);
  }
  return {
    index,
    id: route.id,
    methods,
    segments,
    rest,
    literalCount: segments.filter((s) => s !== null).length,
  };
}

/** True when some canonical path matches both patterns. */
function overlaps(a: CompiledPattern, b: CompiledPattern): boolean {
  const shared = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < shared; i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (x !== null && y !== null && x !== y) return false;
  }
  if (a.segments.length === b.segments.length) return a.rest === b.rest;
  return a.segments.length < b.segments.length ? a.rest : b.rest;
}

function matches(pattern: CompiledPattern, segments: readonly string[]): boolean {
  const count = pattern.segments.length;
  if (pattern.rest ? segments.length <= count : segments.length !== count) return false;
  for (let i = 0; i < count; i++) {
    const literal = pattern.segments[i];
    if (literal !== null && literal !== segments[i]) return false;
  }
  return true;
}

function allowValue(methods: Iterable<string>): string {
  return [...new Set(methods)].sort().join(', ');
}

/**
 * Compiles routes once into a matcher: exact paths in a Map (with every pattern route that also
 * matches them folded in), then patterns ordered most specific first. Default deny: an unknown
 * path is `not_found`; a known path with another method is `method_not_allowed` with the Allow
 * value. Throws a TypeError for a bad path or method, a duplicate id, or two routes that could
 * match the same method and path (the message names both ids).
 *
 * @example
 * const table = createRouteTable([{ id: 'pay', methods: ['POST'], path: '/pay/*' }]);
 * table.match('POST', '/pay/session'); // { kind: 'found', index: 0 }
 * table.match('GET', '/pay/session');  // { kind: 'method_not_allowed', allow: 'POST' }
 */
export function createRouteTable(routes: readonly RoutePattern[]): RouteTable {
  const ids = new Set<string>();
  for (const route of routes) {
    if (typeof route.id !== 'string' || route.id === '')
      throw new TypeError('every route needs a non-empty id');
    if (ids.has(route.id)) throw new TypeError(`route id "${route.id}" is used twice`);
    ids.add(route.id);
  }
  const patterns = routes.map(parsePattern);
  for (let i = 0; i < patterns.length; i++) {
    for (let j = i + 1; j < patterns.length; j++) {
      const a = patterns[i]!;
      const b = patterns[j]!;
      const shared = [...a.methods].filter((m) => b.methods.has(m));
      if (shared.length > 0 && overlaps(a, b)) {
        throw new TypeError(
          `routes "${a.id}" and "${b.id}" are ambiguous: both can match ${shared.join(', ')} on the same path`,
        );
      }
    }
  }
  const found = patterns.map((p): RouteMatch => Object.freeze({ kind: 'found', index: p.index }));

  const exact = new Map<string, ExactEntry>();
  const wildcard: CompiledPattern[] = [];
  for (const pattern of patterns) {
    if (pattern.rest || pattern.literalCount !== pattern.segments.length) {
      wildcard.push(pattern);
    } else {
      const path = `/${pattern.segments.join('/')}`;
      exact.set(path, { byMethod: new Map(), notAllowed: NOT_FOUND });
    }
  }
  wildcard.sort(
    (a, b) =>
      b.literalCount - a.literalCount ||
      Number(a.rest) - Number(b.rest) ||
      b.segments.length - a.segments.length ||
      a.index - b.index,
  );
  for (const [path, entry] of exact) {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    const methods: string[] = [];
    for (const pattern of patterns) {
      if (!matches(pattern, segments)) continue;
      for (const method of pattern.methods) {
        entry.byMethod.set(method, found[pattern.index]!);
        methods.push(method);
      }
    }
    entry.notAllowed = Object.freeze({ kind: 'method_not_allowed', allow: allowValue(methods) });
  }

  return {
    match(method, path) {
      const entry = exact.get(path);
      if (entry !== undefined) return entry.byMethod.get(method) ?? entry.notAllowed;
      if (wildcard.length === 0) return NOT_FOUND;
      const segments = path === '/' ? [] : path.slice(1).split('/');
      let allowed: string[] | null = null;
      for (const pattern of wildcard) {
        if (!matches(pattern, segments)) continue;
        if (pattern.methods.has(method)) return found[pattern.index]!;
        allowed ??= [];
        allowed.push(...pattern.methods);
      }
      return allowed === null ? NOT_FOUND : { kind: 'method_not_allowed', allow: allowValue(allowed) };
    },
  };
}
