import type { Config, RouteConfig } from '../config/index.js';
import { parseSecretTemplate } from '../config/index.js';

/** Methods whose requests usually carry a body. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Injected header names that carry a credential whatever their value looks like. */
const CREDENTIAL_HEADER =
  /authorization|api[-_]?key|apikey|token|secret|passw|signature|credential|auth|session|cookie|-key$/i;
/** An auth scheme in front of a credential (`Bearer sk_...`): the credential is what follows. */
const SCHEME = /^(?:bearer|basic|token|digest|apikey|key)\s+/i;

/** A concrete path the route takes: each `*` or `**` segment becomes `probe`. */
export function concretePath(route: RouteConfig): string {
  return route.match.path
    .split('/')
    .map((segment) => (segment === '*' || segment === '**' ? 'probe' : segment))
    .join('/');
}

/** The method the probe uses on the route: its first. */
export function routeMethod(route: RouteConfig): string {
  return route.match.methods[0] ?? 'GET';
}

/** Route ids, as the shield names them in audit records (the config fills in a default). */
export function routeName(route: RouteConfig): string {
  return route.id ?? `${route.match.methods.join(',')} ${route.match.path}`;
}

type Json = string | Json[] | { [key: string]: Json };

function valueAt(segments: readonly string[], leaf: Json): Json {
  const [first, ...rest] = segments;
  if (first === undefined) return leaf;
  if (first === 'length') return [leaf];
  if (first === '[*]') return [valueAt(rest, leaf)];
  return { [first]: valueAt(rest, leaf) };
}

function merge(a: Json, b: Json): Json {
  if (typeof a === 'object' && !Array.isArray(a) && typeof b === 'object' && !Array.isArray(b)) {
    const out: { [key: string]: Json } = { ...a };
    for (const [key, value] of Object.entries(b)) out[key] = key in out ? merge(out[key]!, value) : value;
    return out;
  }
  return a;
}

/** `$.a[*].b.length` as segments: `a`, `[*]`, `b`, `length`. */
function segmentsOf(path: string): string[] {
  return [...path.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[\*\]/g)].map((m) => m[1] ?? '[*]');
}

/**
 * A JSON body the route's limits can read: every budget cost path and every `per: body` field
 * holds a value (one address, one identifier), so a request is refused or let through for its
 * token and proof, never for an unreadable cost. Undefined for methods without a body.
 */
export function sampleBody(route: RouteConfig): string | undefined {
  const method = routeMethod(route);
  if (!BODY_METHODS.has(method) && route.limits.every((limit) => limit.cost === undefined)) return undefined;
  let body: Json = {};
  for (const limit of route.limits) {
    for (const path of limit.cost?.paths ?? [])
      body = merge(body, valueAt(segmentsOf(path), 'probe@example.invalid'));
    if (limit.field !== undefined) body = merge(body, valueAt(segmentsOf(limit.field), 'probe-value'));
  }
  return JSON.stringify(body);
}

/** A value the route injects that must never reach a client. */
export interface SensitiveValue {
  /** `secret NAME`, or `inline value of HEADER`. */
  label: string;
  value: string;
  /** `secret`: through secrets: and ${secret:NAME}; `inline`: written into the header value itself. */
  kind: 'secret' | 'inline';
}

/**
 * The values the route injects that are credentials: every ${secret:NAME} it references, and the
 * literal text of a header that carries a credential without going through `secrets:` (an
 * `x-api-key: ${env:KEY}` resolves to a literal the gateway does not know to be a secret).
 */
export function sensitiveValues(route: RouteConfig, config: Config): SensitiveValue[] {
  const found: SensitiveValue[] = [];
  for (const [header, template] of Object.entries(route.inject?.headers ?? {})) {
    const parts = parseSecretTemplate(template) ?? [{ type: 'text' as const, text: template }];
    let literal = '';
    for (const part of parts) {
      if (part.type === 'secret') {
        const value = config.secrets[part.name];
        if (value !== undefined && value !== '')
          found.push({ label: `secret ${part.name}`, value, kind: 'secret' });
      } else {
        literal += part.text;
      }
    }
    const credential = literal.trim().replace(SCHEME, '');
    if (
      parts.every((part) => part.type !== 'secret') &&
      CREDENTIAL_HEADER.test(header) &&
      credential.length >= 8
    ) {
      found.push({ label: `inline value of ${header}`, value: credential, kind: 'inline' });
    }
  }
  return found;
}

/** True when the route spends a third-party secret or moves money: a proof or an injected secret. */
export function isSensitiveRoute(route: RouteConfig): boolean {
  return (
    route.require?.proof === true ||
    Object.values(route.inject?.headers ?? {}).some((value) => value.includes('${secret:'))
  );
}

/** The apps whose tokens the route admits. */
export function routeApps(route: RouteConfig, config: Config): string[] {
  return route.require?.apps !== undefined ? [...route.require.apps] : Object.keys(config.apps);
}

/** The route of a path and method, by the config's patterns. */
export function routeFor(config: Config, method: string, path: string): RouteConfig | undefined {
  const segments = path.split('/').slice(1);
  return config.routes.find((route) => {
    if (!route.match.methods.includes(method)) return false;
    const pattern = route.match.path.split('/').slice(1);
    if (pattern.at(-1) === '**') {
      const head = pattern.slice(0, -1);
      return segments.length > head.length && head.every((p, i) => p === '*' || p === segments[i]);
    }
    return pattern.length === segments.length && pattern.every((p, i) => p === '*' || p === segments[i]);
  });
}
