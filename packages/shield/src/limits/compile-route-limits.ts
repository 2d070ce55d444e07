import { createHash } from 'node:crypto';
import { shapeBucket } from './decide-buckets.js';
import { type JsonPathSegment, parseJsonPath } from './parse-json-path.js';
import type { CostCounting } from './read-request-cost.js';
import type { LimitKeyKind, RouteLimits } from './types.js';

const KINDS: ReadonlySet<string> = new Set<LimitKeyKind>([
  'device',
  'user',
  'ip',
  'app',
  'route',
  'global',
  'body',
]);
const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const POLICY = /^[a-z0-9_.-]{1,32}$/;
const MAX_UNITS = 1_000_000_000;
const MAX_WINDOW_SECONDS = 31 * 86_400;
const MAX_COST_PATHS = 8;

/** A budget's cost reading, compiled. */
export interface CompiledCost {
  paths: JsonPathSegment[][];
  counting: CostCounting;
  whenUnreadable: 'refuse' | number;
}

/** GCRA shape of a bucket. */
export interface BucketShape {
  max: number;
  intervalUs: number;
  burstUs: number;
}

/** One rule, checked and ready: everything but the request's identity is decided. */
export interface CompiledRule {
  policy: string;
  per: LimitKeyKind;
  windowSeconds: number;
  shape: BucketShape;
  /** The shape of the local insurance bucket used while the store is down (fail-open routes). */
  insurance: BucketShape;
  /** Bucket key without the identity: `<group>:<per>:<max>:<window>[:<field>]:`. */
  keyBase: string;
  mode: 'enforce' | 'monitor';
  /** For `per: 'body'`: where the identifier is. */
  field: JsonPathSegment[] | null;
  /** For budgets: how to read the cost. */
  cost: CompiledCost | null;
}

export interface CompiledRouteLimits {
  routeId: string;
  onStoreFailure: 'closed' | 'open';
  /** Rules judged before the body is read (cost 1, identity from headers or token). */
  headerRules: CompiledRule[];
  /** Budgets and `per: 'body'` rules, judged once the body is buffered. */
  bodyRules: CompiledRule[];
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

function integerIn(value: unknown, low: number, high: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= low && value <= high;
}

/**
 * Checks and compiles the limits of every route once, when the gateway is built: a bad rule is a
 * TypeError naming it (`routes[0].rules[1].max`), never a per-request surprise. Rules that share
 * a bucket across routes (same group and per) must agree on max and window.
 */
export function compileRouteLimits(
  routes: readonly RouteLimits[],
  insuranceDivisor: number,
): Map<string, CompiledRouteLimits> {
  if (!Array.isArray(routes as unknown)) throw new TypeError('routes must be an array');
  const compiled = new Map<string, CompiledRouteLimits>();
  const shared = new Map<string, string>();
  routes.forEach((route, r) => {
    const at = `routes[${r}]`;
    if (typeof route !== 'object' || route === null) throw new TypeError(`${at} must be an object`);
    if (typeof route.routeId !== 'string' || route.routeId === '' || route.routeId.length > 256) {
      throw new TypeError(`${at}.routeId must be the gateway route's id`);
    }
    // Config ids are key-safe already; any other id is hashed into the bucket keys.
    const routeGroup = ID.test(route.routeId)
      ? route.routeId
      : `route-${createHash('sha256').update(route.routeId).digest('hex').slice(0, 16)}`;
    if (compiled.has(route.routeId)) throw new TypeError(`${at}.routeId "${route.routeId}" is listed twice`);
    const routeMode = route.mode ?? 'enforce';
    if (routeMode !== 'enforce' && routeMode !== 'monitor')
      throw new TypeError(`${at}.mode must be enforce or monitor`);
    const onStoreFailure = route.onStoreFailure ?? 'closed';
    if (onStoreFailure !== 'closed' && onStoreFailure !== 'open') {
      throw new TypeError(`${at}.onStoreFailure must be closed or open`);
    }
    if (!Array.isArray(route.rules as unknown)) throw new TypeError(`${at}.rules must be an array`);
    const rules: CompiledRule[] = [];
    const keys = new Set<string>();
    route.rules.forEach((rule, i) => {
      const where = `${at}.rules[${i}]`;
      if (typeof rule !== 'object' || rule === null) throw new TypeError(`${where} must be an object`);
      if (!KINDS.has(rule.per)) throw new TypeError(`${where}.per must be one of ${[...KINDS].join(', ')}`);
      if (!integerIn(rule.max, 1, MAX_UNITS))
        throw new TypeError(`${where}.max must be an integer from 1 to ${MAX_UNITS}`);
      if (!integerIn(rule.windowSeconds, 1, MAX_WINDOW_SECONDS)) {
        throw new TypeError(`${where}.windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}`);
      }
      const mode = rule.mode ?? routeMode;
      if (mode !== 'enforce' && mode !== 'monitor')
        throw new TypeError(`${where}.mode must be enforce or monitor`);
      const group = rule.group ?? (rule.per === 'global' ? 'global' : routeGroup);
      if (typeof group !== 'string' || !ID.test(group))
        throw new TypeError(`${where}.group must be 1-64 of a-z 0-9 . _ -`);
      if (rule.name !== undefined && (typeof rule.name !== 'string' || !POLICY.test(rule.name))) {
        throw new TypeError(`${where}.name must be 1-32 of a-z 0-9 _ . -`);
      }

      let field: JsonPathSegment[] | null = null;
      if (rule.per === 'body') {
        field = rule.field === undefined ? null : parseJsonPath(rule.field);
        if (
          field === null ||
          field.length === 0 ||
          field.some((s) => s.kind === 'each' || s.kind === 'length')
        ) {
          throw new TypeError(`${where}.field must be a JSON path such as $.phone (no [*] or .length)`);
        }
      } else if (rule.field !== undefined) {
        throw new TypeError(`${where}.field applies only to per: body`);
      }

      let cost: CompiledCost | null = null;
      if (rule.cost !== undefined) {
        const spec = rule.cost;
        if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.paths as unknown)) {
          throw new TypeError(`${where}.cost.paths must be an array of JSON paths`);
        }
        if (spec.paths.length === 0 || spec.paths.length > MAX_COST_PATHS) {
          throw new TypeError(`${where}.cost.paths must hold 1 to ${MAX_COST_PATHS} paths`);
        }
        const counting = spec.count ?? 'addresses';
        if (counting !== 'addresses' && counting !== 'elements') {
          throw new TypeError(`${where}.cost.count must be addresses or elements`);
        }
        const paths = spec.paths.map((path, p) => {
          const parsed = parseJsonPath(path);
          if (parsed === null || parsed.length === 0) {
            throw new TypeError(
              `${where}.cost.paths[${p}] must be a JSON path such as $.to or $.recipients.length`,
            );
          }
          if (counting === 'addresses' && parsed.at(-1)?.kind === 'length') {
            throw new TypeError(
              `${where}.cost.paths[${p}] counts elements (.length): drop .length to count addresses, or set cost.count: elements`,
            );
          }
          return parsed;
        });
        const whenUnreadable = spec.whenUnreadable ?? 'refuse';
        if (whenUnreadable !== 'refuse' && !integerIn(whenUnreadable, 1, rule.max)) {
          throw new TypeError(`${where}.cost.whenUnreadable must be 'refuse' or an integer from 1 to max`);
        }
        cost = { paths, counting, whenUnreadable };
      }

      const fieldTag = field === null ? '' : `:${shortHash(rule.field ?? '')}`;
      const bucket = `${group}:${rule.per}${fieldTag}`;
      const signature = `${rule.max}/${rule.windowSeconds}`;
      const keyBase = `${bucket}:${rule.max}:${rule.windowSeconds}:`;
      if (keys.has(keyBase)) throw new TypeError(`${where} repeats another limit of this route`);
      keys.add(keyBase);
      const sharedKey = `${bucket}@${rule.windowSeconds}`;
      const earlier = shared.get(sharedKey);
      const sharing = rule.group !== undefined || rule.per === 'global';
      if (sharing && earlier !== undefined && earlier !== signature) {
        throw new TypeError(
          `${where}: group "${group}" is used with another max for ${rule.per} and this window`,
        );
      }
      if (sharing) shared.set(sharedKey, signature);

      const insuranceMax = Math.max(1, Math.floor(rule.max / insuranceDivisor));
      rules.push({
        policy: rule.name ?? '',
        per: rule.per,
        windowSeconds: rule.windowSeconds,
        shape: { max: rule.max, ...shapeBucket(rule.max, rule.windowSeconds) },
        insurance: { max: insuranceMax, ...shapeBucket(insuranceMax, rule.windowSeconds) },
        keyBase,
        mode,
        field,
        cost,
      });
    });

    // Default policy names: per, or per-<window>s when unnamed rules repeat a kind, then an index.
    const taken = new Set(rules.map((rule) => rule.policy).filter((name) => name !== ''));
    if (taken.size !== rules.filter((rule) => rule.policy !== '').length) {
      throw new TypeError(`${at}: two rules have the same name`);
    }
    const unnamed = rules.filter((rule) => rule.policy === '');
    for (const rule of unnamed) {
      const count = unnamed.filter((other) => other.per === rule.per).length;
      let name: string = count === 1 ? rule.per : `${rule.per}-${rule.windowSeconds}s`;
      for (let n = 2; taken.has(name); n++) name = `${rule.per}-${rule.windowSeconds}s-${n}`;
      rule.policy = name;
      taken.add(name);
    }

    compiled.set(route.routeId, {
      routeId: route.routeId,
      onStoreFailure,
      headerRules:
        route.afterBody === true ? [] : rules.filter((rule) => rule.cost === null && rule.field === null),
      bodyRules:
        route.afterBody === true ? rules : rules.filter((rule) => rule.cost !== null || rule.field !== null),
    });
  });
  return compiled;
}
