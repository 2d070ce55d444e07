/** A route the SDK treats specially, matched on method and path (the query is ignored). */
export interface RouteRule {
  /** Methods it applies to (any case); every method when absent. */
  methods?: readonly string[];
  /**
   * Path pattern, as in the shield's config: `/catalog` (exactly), `/files/*` (one more
   * segment), `/stripe/**` (one or more further segments).
   */
  path: string;
}

/** Answers whether a request matches one of the rules; rules may be added later (learned). */
export interface RouteMatcher {
  matches(method: string, path: string): boolean;
  add(rule: RouteRule): void;
}

interface CompiledRule {
  methods: ReadonlySet<string> | null;
  prefix: string;
  tail: 'none' | 'segment' | 'rest';
}

const PATH = /^\/[A-Za-z0-9\-._~!$&'()+,;=:@/%*]*$/;

function compile(rule: RouteRule, name: string): CompiledRule {
  if (typeof rule !== 'object' || rule === null || typeof rule.path !== 'string' || !PATH.test(rule.path)) {
    throw new TypeError(
      `${name}: each rule needs a path starting with / (for example { path: '/payments/**' })`,
    );
  }
  const { path } = rule;
  let tail: CompiledRule['tail'] = 'none';
  let prefix = path;
  if (path.endsWith('/**')) {
    tail = 'rest';
    prefix = path.slice(0, -2);
  } else if (path.endsWith('/*')) {
    tail = 'segment';
    prefix = path.slice(0, -1);
  }
  if (prefix.includes('*'))
    throw new TypeError(`${name}: a wildcard may only be the whole last segment (${path})`);
  if (
    rule.methods !== undefined &&
    (!Array.isArray(rule.methods) || rule.methods.some((m) => typeof m !== 'string'))
  ) {
    throw new TypeError(`${name}: methods must be a list of method names`);
  }
  return {
    methods: rule.methods === undefined ? null : new Set(rule.methods.map((m) => m.toUpperCase())),
    prefix,
    tail,
  };
}

function pathMatches(rule: CompiledRule, path: string): boolean {
  if (rule.tail === 'none') return path === rule.prefix;
  if (!path.startsWith(rule.prefix) || path.length === rule.prefix.length) return false;
  const rest = path.slice(rule.prefix.length);
  return rule.tail === 'rest' ? !rest.startsWith('/') : !rest.includes('/');
}

/**
 * Compiles route rules once (a bad rule throws a TypeError naming `name`), for the per-request
 * question "does this request need a proof / go without a token".
 *
 * @example
 * ```ts
 * const proofs = createRouteMatcher([{ methods: ['POST'], path: '/payments/**' }], 'proofRoutes');
 * proofs.matches('POST', '/payments/session'); // true
 * ```
 */
export function createRouteMatcher(rules: readonly RouteRule[] | undefined, name: string): RouteMatcher {
  if (rules !== undefined && !Array.isArray(rules))
    throw new TypeError(`${name} must be a list of route rules`);
  const compiled = (rules ?? []).map((rule) => compile(rule, name));
  return {
    matches(method, path) {
      const upper = method.toUpperCase();
      return compiled.some(
        (rule) => (rule.methods === null || rule.methods.has(upper)) && pathMatches(rule, path),
      );
    },
    add(rule) {
      compiled.push(compile(rule, name));
    },
  };
}
