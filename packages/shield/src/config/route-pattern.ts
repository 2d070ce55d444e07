/**
 * Route path patterns. A pattern is a canonical origin-form path whose last segment may be a
 * wildcard:
 * - no wildcard (`/catalog`): matches exactly that path;
 * - `*` (`/files/*`): matches the prefix plus exactly one non-empty segment;
 * - `**` (`/stripe/**`): matches the prefix plus one or more further segments (`/stripe/a`,
 *   `/stripe/a/b`), but not `/stripe` itself.
 * Matching is exact and case-sensitive on the canonical request path (the gateway's
 * canonicalizePath: no `//`, no trailing `/` except the root, no `.` or `..`), so patterns are
 * held to the same canonical form.
 */
export interface RoutePattern {
  /** The literal part: the whole path, or everything up to and including the `/` before the wildcard. */
  prefix: string;
  tail: 'none' | 'segment' | 'rest';
}

export type RoutePatternResult =
  | { ok: true; pattern: RoutePattern }
  | { ok: false; message: string; fix: string };

const ALLOWED = /^[A-Za-z0-9\-._~!$&'()+,=:@/*]*$/;
const RESERVED = ['/v1', '/.well-known', '/livez', '/readyz'] as const;

function refuse(message: string, fix: string): RoutePatternResult {
  return { ok: false, message, fix };
}

/**
 * Parses a route path, refusing anything that is not canonical: the gateway matches normalised
 * request paths exactly, so a pattern holding `..`, `//`, `%`, `;` or `\` could never match, or
 * would match something other than what it says.
 *
 * @example
 * ```ts
 * parseRoutePattern('/stripe/**'); // { ok: true, pattern: { prefix: '/stripe/', tail: 'rest' } }
 * ```
 */
export function parseRoutePattern(path: string): RoutePatternResult {
  if (!path.startsWith('/'))
    return refuse('a route path must start with /', 'write an origin-form path such as /payments/session');
  if (path.length > 2048) return refuse('a route path is at most 2048 characters', 'shorten the path');
  if (path.includes('%')) {
    return refuse(
      'percent-encoding (%) is not allowed in a route path',
      'write the path in decoded, canonical form',
    );
  }
  if (path.includes(';'))
    return refuse('";" (path parameters) is not allowed in a route path', 'remove the ";" part');
  if (path.includes('\\'))
    return refuse('"\\" is not allowed in a route path', 'use "/" to separate segments');
  if (path.includes('?') || path.includes('#')) {
    return refuse(
      'a route path holds no query (?) or fragment (#)',
      'remove everything from the first ? or #',
    );
  }
  if (!ALLOWED.test(path)) {
    return refuse(
      "a route path may hold only letters, digits and - . _ ~ ! $ & ' ( ) + , = : @ / *",
      'remove spaces, control and non-ASCII characters',
    );
  }
  if (path === '/') return { ok: true, pattern: { prefix: '/', tail: 'none' } };
  if (path.includes('..')) {
    return refuse(
      '".." is not allowed in a route path',
      'write the canonical path (the gateway refuses ".." in requests)',
    );
  }
  const segments = path.slice(1).split('/');
  const last = segments.length - 1;
  for (const [index, segment] of segments.entries()) {
    if (segment === '' && index !== last)
      return refuse('"//" (an empty segment) is not allowed', 'use single slashes');
    if (segment === '')
      return refuse(
        'a route path does not end with "/"',
        'remove the trailing slash (requests never carry one)',
      );
    if (segment === '.')
      return refuse('"." segments are not allowed', 'write the canonical path without "." segments');
    if (segment.includes('*')) {
      if ((segment !== '*' && segment !== '**') || index !== last) {
        return refuse(
          '"*" and "**" are allowed only as the whole last segment',
          'write e.g. /files/* (one segment) or /stripe/** (the rest of the path)',
        );
      }
    }
  }
  const final = segments[last];
  if (final === '*' || final === '**') {
    return {
      ok: true,
      pattern: { prefix: path.slice(0, -final.length), tail: final === '*' ? 'segment' : 'rest' },
    };
  }
  return { ok: true, pattern: { prefix: path, tail: 'none' } };
}

/** True when `path` (a normalised request path) matches `pattern`. */
export function matchRoutePattern(pattern: RoutePattern, path: string): boolean {
  if (pattern.tail === 'none') return path === pattern.prefix;
  if (!path.startsWith(pattern.prefix)) return false;
  const rest = path.slice(pattern.prefix.length);
  return rest !== '' && (pattern.tail === 'rest' || !rest.includes('/'));
}

/** True when some request path matches both patterns. */
export function routePatternsOverlap(a: RoutePattern, b: RoutePattern): boolean {
  if (a.tail === 'none') return matchRoutePattern(b, a.prefix);
  if (b.tail === 'none') return matchRoutePattern(a, b.prefix);
  if (a.tail === 'segment' && b.tail === 'segment') return a.prefix === b.prefix;
  // Both prefixes end in "/". A one-segment tail cannot reach past its prefix's last "/", so
  // with one `*` and one `**` they overlap only when the `*` prefix lies under the `**` prefix.
  if (a.tail === 'segment') return a.prefix.startsWith(b.prefix);
  if (b.tail === 'segment') return b.prefix.startsWith(a.prefix);
  return a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
}

/** True when the pattern's literal part lies under one of the shield's own endpoints. */
export function isReservedRoutePattern(pattern: RoutePattern): boolean {
  const prefix = pattern.prefix.toLowerCase();
  return RESERVED.some((reserved) => prefix === reserved || prefix.startsWith(`${reserved}/`));
}
