import { ASSURANCE_LEVELS, type AssuranceLevel } from '@portcullis/protocol';
import type { RouteTokenRule } from '@portcullis/protocol/verification';
import { canonicalizePath } from './canonicalize-path.js';
import { type CompiledInjectTemplate, compileInjectTemplate } from './compile-inject-template.js';
import { isShieldOwnedRequestHeader } from './request-header-policy.js';
import type { IdentityHeaderKind, RouteSpec } from './types.js';

const IDENTITY_HEADER_KINDS: readonly IdentityHeaderKind[] = [
  'app',
  'device',
  'level',
  'platform',
  'token-id',
  'client-address',
];

/** A header the route injects, with its lower-case name. */
export interface CompiledInjection {
  readonly name: string;
  readonly template: CompiledInjectTemplate;
}

/** A RouteSpec checked once and turned into what the hot path needs (its token rule included). */
export interface CompiledRoute extends RouteTokenRule {
  readonly spec: RouteSpec;
  readonly id: string;
  /** `scheme://host[:port]` of the upstream. */
  readonly origin: string;
  readonly requireToken: boolean;
  readonly minLevel: AssuranceLevel | null;
  readonly apps: ReadonlySet<string> | null;
  /** Audiences named by the route; null: any, except a debug token narrowed by its scope. */
  readonly audiences: ReadonlySet<string> | null;
  /** True when the token requirement only records what it would refuse. */
  readonly monitorToken: boolean;
  readonly identityHeaders: ReadonlySet<IdentityHeaderKind>;
  readonly injections: readonly CompiledInjection[];
  /**
   * True when the route injects a secret: its responses are scanned for every form of the
   * secrets, and the upstream is asked for an uncompressed, whole body (no client Range).
   */
  readonly scansResponses: boolean;
  /** Lower-case client header names removed for this route: injected ones and `removeHeaders`. */
  readonly removeNames: ReadonlySet<string>;
  /** Lower-case upstream response header names dropped for this route; null for none. */
  readonly dropResponseNames: ReadonlySet<string> | null;
  readonly maxBodyBytes: number;
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
  /** The upstream path for a canonical path this route matched (prefix rewrite applied). */
  forwardPath(canonicalPath: string): string;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * Client headers dropped on a route whose responses are scanned: the gateway sets
 * `Accept-Encoding: identity` itself (a compressed body cannot be scanned), and a Range request
 * would let a client fetch a secret echo piece by piece, each piece too short to match.
 */
const SCANNED_ROUTE_DROPS = ['accept-encoding', 'range', 'if-range'];

function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`${where} must be a positive integer (milliseconds)`);
  }
  return value;
}

function literalCanonicalPath(value: string, where: string): string {
  const canonical = canonicalizePath(value);
  if (!canonical.ok || canonical.query !== null || canonical.path !== value || value.includes('*')) {
    throw new TypeError(`${where} must be a canonical path without wildcards`);
  }
  return value;
}

/**
 * Checks a RouteSpec (everything except its path and methods, which the route table checks) and
 * precomputes what each request needs. Throws a TypeError naming the route and the option.
 */
export function compileRoute(spec: RouteSpec): CompiledRoute {
  const where = `route "${spec.id}"`;
  if (!(spec.upstream instanceof URL)) throw new TypeError(`${where} upstream must be a URL`);
  const upstream = spec.upstream;
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new TypeError(`${where} upstream must be http: or https:`);
  }
  if (
    upstream.username !== '' ||
    upstream.password !== '' ||
    upstream.search !== '' ||
    upstream.hash !== ''
  ) {
    throw new TypeError(
      `${where} upstream must be an origin and a path, without credentials, query or fragment`,
    );
  }
  const basePath =
    upstream.pathname === '/' ? '' : literalCanonicalPath(upstream.pathname, `${where} upstream path`);

  let stripPrefix: string | null = null;
  if (spec.stripPrefix !== undefined) {
    stripPrefix = literalCanonicalPath(spec.stripPrefix, `${where} stripPrefix`);
    if (stripPrefix === '/' || !(spec.path === stripPrefix || spec.path.startsWith(`${stripPrefix}/`))) {
      throw new TypeError(`${where} stripPrefix must be a leading part of the path made of whole segments`);
    }
  }

  if (typeof spec.public !== 'boolean' || typeof spec.require?.token !== 'boolean') {
    throw new TypeError(`${where} must set public and require.token explicitly`);
  }
  if (spec.public === spec.require.token) {
    throw new TypeError(`${where}: public must be the opposite of require.token`);
  }
  if (
    spec.public &&
    (spec.require.level !== undefined ||
      spec.require.apps !== undefined ||
      spec.require.audiences !== undefined ||
      spec.tokenMode === 'monitor')
  ) {
    throw new TypeError(
      `${where}: a public route cannot require a level, apps or audiences, or monitor a token`,
    );
  }
  if (spec.tokenMode !== undefined && spec.tokenMode !== 'enforce' && spec.tokenMode !== 'monitor') {
    throw new TypeError(`${where} tokenMode must be enforce or monitor`);
  }
  const audiences = spec.require.audiences;
  if (
    audiences !== undefined &&
    (!Array.isArray(audiences) ||
      audiences.length === 0 ||
      audiences.some((a) => typeof a !== 'string' || a === ''))
  ) {
    throw new TypeError(`${where} require.audiences must be a non-empty list of audiences`);
  }
  const listedIdentity = spec.identityHeaders;
  if (
    listedIdentity !== undefined &&
    (!Array.isArray(listedIdentity) ||
      listedIdentity.some((kind) => !IDENTITY_HEADER_KINDS.includes(kind)) ||
      new Set(listedIdentity).size !== listedIdentity.length)
  ) {
    throw new TypeError(
      `${where} identityHeaders must list some of ${IDENTITY_HEADER_KINDS.join(', ')}, each once`,
    );
  }
  const level = spec.require.level;
  if (level !== undefined && !ASSURANCE_LEVELS.includes(level)) {
    throw new TypeError(`${where} require.level must be one of ${ASSURANCE_LEVELS.join(', ')}`);
  }
  const apps = spec.require.apps;
  if (
    apps !== undefined &&
    (!Array.isArray(apps) || apps.length === 0 || apps.some((a) => typeof a !== 'string' || a === ''))
  ) {
    throw new TypeError(`${where} require.apps must be a non-empty list of app ids`);
  }

  const injections: CompiledInjection[] = [];
  const removeNames = new Set<string>();
  for (const [rawName, template] of Object.entries(spec.inject?.headers ?? {})) {
    const name = rawName.toLowerCase();
    const at = `${where} inject.headers.${rawName}`;
    if (!HEADER_NAME.test(name)) throw new TypeError(`${at}: not a valid header name`);
    if (isShieldOwnedRequestHeader(name))
      throw new TypeError(`${at}: the gateway sets or strips this header itself`);
    if (removeNames.has(name)) throw new TypeError(`${at}: injected twice (names are case-insensitive)`);
    const compiled = compileInjectTemplate(template, at);
    if (spec.public && compiled.secretNames.length > 0) {
      throw new TypeError(`${at}: a public route cannot inject secrets (anyone could use them)`);
    }
    injections.push({ name, template: compiled });
    removeNames.add(name);
  }
  for (const rawName of spec.removeHeaders ?? []) {
    const name = typeof rawName === 'string' ? rawName.toLowerCase() : '';
    if (!HEADER_NAME.test(name))
      throw new TypeError(`${where} removeHeaders: "${String(rawName)}" is not a header name`);
    removeNames.add(name);
  }

  const scansResponses = injections.some((injection) => injection.template.secretNames.length > 0);
  if (scansResponses) {
    for (const injection of injections) {
      if (SCANNED_ROUTE_DROPS.includes(injection.name))
        throw new TypeError(
          `${where} inject.headers.${injection.name}: the gateway sets this itself on a route that injects a secret`,
        );
    }
    for (const name of SCANNED_ROUTE_DROPS) removeNames.add(name);
  }
  // Absent: all to the owner's own backend, none to a third party (a route that injects a secret).
  const identityHeaders = listedIdentity ?? (scansResponses ? [] : IDENTITY_HEADER_KINDS);

  if (
    typeof spec.maxBodyBytes !== 'number' ||
    !Number.isSafeInteger(spec.maxBodyBytes) ||
    spec.maxBodyBytes < 0
  ) {
    throw new TypeError(`${where} maxBodyBytes must be a non-negative integer`);
  }
  const timeouts = spec.timeouts;
  const connectMs = positiveInteger(timeouts?.connectMs, `${where} timeouts.connectMs`);
  const headersMs = positiveInteger(timeouts?.headersMs, `${where} timeouts.headersMs`);
  const bodyMs = positiveInteger(timeouts?.bodyMs, `${where} timeouts.bodyMs`);

  const prefixLength = stripPrefix === null ? 0 : stripPrefix.length;
  return {
    spec,
    id: spec.id,
    origin: upstream.origin,
    requireToken: spec.require.token,
    minLevel: level ?? null,
    apps: apps === undefined ? null : new Set(apps),
    audiences: audiences === undefined ? null : new Set(audiences),
    monitorToken: spec.tokenMode === 'monitor',
    identityHeaders: new Set(identityHeaders),
    injections,
    scansResponses,
    removeNames,
    dropResponseNames:
      spec.removeResponseHeaders === undefined || spec.removeResponseHeaders.length === 0
        ? null
        : new Set(spec.removeResponseHeaders.map((name) => name.toLowerCase())),
    maxBodyBytes: spec.maxBodyBytes,
    connectMs,
    headersMs,
    bodyMs,
    forwardPath(canonicalPath) {
      const rest = prefixLength === 0 ? canonicalPath : canonicalPath.slice(prefixLength);
      if (basePath === '') return rest === '' ? '/' : rest;
      return rest === '/' ? basePath : basePath + rest;
    },
  };
}
