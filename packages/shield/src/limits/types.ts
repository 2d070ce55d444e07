import type { LimitFailureReason } from './limit-failure-reasons.js';

/** What a limit counts by. */
export type LimitKeyKind = 'device' | 'user' | 'ip' | 'app' | 'route' | 'global' | 'body';

/**
 * How many units one request costs, read from its JSON body (budgets). Each path names a count
 * (see `count`); the counts of all paths are added; a request always costs at least 1.
 *
 * @example
 * ```ts
 * const recipients: CostSpec = { paths: ['$.to', '$.cc', '$.bcc'] }; // count: 'addresses'
 * const seats: CostSpec = { paths: ['$.quantity'], count: 'elements' };
 * ```
 */
export interface CostSpec {
  /**
   * JSON paths: `$` then `.name`, `[index]` or `[*]` (every element, counts added), optionally
   * ending in `.length` (an array's length; only with `count: 'elements'`). `$.to`,
   * `$.personalizations[*].to`, `$.recipients.length`. At most 8 paths.
   */
  paths: readonly string[];
  /**
   * What a count is. `'addresses'` (default, for recipients budgets): the e-mail addresses or
   * phone numbers under the path, each one unit wherever it is: several in one string separated
   * by commas, semicolons, spaces or line breaks, in nested arrays, or as the `email` member of an
   * object (`{"email": "a@x", "name": "Ana"}`); a mailbox with a display name
   * (`"Ana" <ana@x>`) is one. Numbers and other shapes are unreadable. `'elements'`: an array's
   * length, a string's comma- or semicolon-separated items, a non-negative integer itself (for
   * budgets of quantities, or arrays of numeric phone numbers).
   */
  count?: 'addresses' | 'elements';
  /**
   * What a body whose cost cannot be read costs (not a JSON object, duplicate member names, no
   * path present, a path holding an object, a boolean, a negative or fractional number).
   * `'refuse'` (default): 400 `bad_request` with `budget_cost_unreadable`. A number (1 to the
   * smallest max of the route's budgets): that many units are charged.
   */
  whenUnreadable?: 'refuse' | number;
}

/**
 * One limit of a route. Units per window, refilled smoothly (GCRA, a token bucket of `max` units
 * refilled at `max / windowSeconds` per second): never a double burst at a window edge.
 *
 * @example
 * ```ts
 * const perDevice: LimitRule = { per: 'device', max: 5, windowSeconds: 600 };
 * const recipients: LimitRule = { per: 'device', max: 50, windowSeconds: 86_400, cost: { paths: ['$.to'] } };
 * ```
 */
export interface LimitRule {
  per: LimitKeyKind;
  /** Units per window, 1 to 1 000 000 000 (requests, or cost units for a budget). */
  max: number;
  /** Window in seconds, 1 to 2 678 400 (31 days). */
  windowSeconds: number;
  /**
   * The policy name in the `RateLimit-Policy` and `RateLimit` headers (`[a-z0-9_.-]`, ≤ 32).
   * Default: `per`, or `per-<window>s` when the route has two limits of one kind.
   */
  name?: string;
  /**
   * Shares the bucket with every route that names the same group (for example one per-device
   * message budget over the e-mail and SMS routes). Rules sharing a group and `per` must have the
   * same max, window and cost. Default: the route id; for `per: 'global'` the group `global`.
   */
  group?: string;
  /** `'monitor'`: counted and reported (`monitor_would_limit`), never refused. Default: the route's mode. */
  mode?: 'enforce' | 'monitor';
  /** For `per: 'body'`: the JSON path of the identifier counted by (a phone number, an e-mail). */
  field?: string;
  /** Makes the rule a budget: each request costs what its body says. Budgets refuse with `budget_exhausted`. */
  cost?: CostSpec;
}

/** The limits of one gateway route. */
export interface RouteLimits {
  /** The gateway route's id (`RouteSpec.id`). */
  routeId: string;
  /** All must pass. Rules with `cost` or `per: 'body'` run once the body is read; the rest before. */
  rules: readonly LimitRule[];
  /** Default mode of the rules. Default `'enforce'`. */
  mode?: 'enforce' | 'monitor';
  /**
   * Take every rule only once the body is read, after the checks listed before the limits (such
   * as a per-request proof), so requests those checks refuse spend no units: a stolen token
   * without a valid proof cannot burn the genuine device's budget. Default false: rules without
   * a cost are taken before the body is read, counting every attempt.
   */
  afterBody?: boolean;
  /**
   * When the limit store fails: `'closed'` (default) answers 503 `store_unavailable` with
   * Retry-After; `'open'` lets requests through a local in-memory insurance limiter whose caps are
   * each rule's `max / insuranceDivisor` (at least 1) per instance.
   */
  onStoreFailure?: 'closed' | 'open';
}

/** One bucket asked of a store: GCRA parameters in microseconds. */
export interface BucketRequest {
  /** The store key (already prefixed and hashed; at most 200 characters). */
  key: string;
  /** Units taken, 1 ≤ cost ≤ max. */
  cost: number;
  /** Microseconds to refill one unit: ceil(window / max). */
  intervalUs: number;
  /** Bucket capacity in microseconds: intervalUs × max. */
  burstUs: number;
  /** Judge the bucket but never take from it (lockout checks). */
  peek?: boolean;
}

/** A store's answer for one bucket. */
export interface BucketOutcome {
  /** This bucket alone could take the cost. */
  allowed: boolean;
  /** The cost was actually taken (false in an `all` take that another bucket refused, and for peeks). */
  taken: boolean;
  /** Whole units left after the decision. */
  remaining: number;
  /** Microseconds until the bucket is full again after the decision. */
  fullInUs: number;
  /** Microseconds until the cost would fit (0 when allowed). */
  waitUs: number;
}

/**
 * Atomic GCRA buckets. `take` decides all buckets of one call in one atomic step: in mode `'all'`
 * nothing is taken unless every bucket allows (a refused request costs no other limit anything);
 * in mode `'each'` every bucket is decided on its own. Memory and SQLite judge time by `now`
 * (epoch ms, the caller's clock, one machine); Redis uses its own clock (`TIME`), so instances
 * with skewed clocks share one window (F-10). Failures are `StoreUnavailableError`s
 * (`StoreOutageError` with a store sub-code); nothing else is thrown for I/O trouble.
 */
export interface LimitStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  take(buckets: readonly BucketRequest[], mode: 'all' | 'each', now: number): Promise<BucketOutcome[]>;
  close(): Promise<void>;
}

/** Told about every decision worth recording: refusals, monitor hits, outages. Must not throw. */
export interface LimitEvent {
  reason: LimitFailureReason;
  /** `'monitor'` when the event concerns a monitor-mode limit (nothing was refused for it). */
  mode: 'enforce' | 'monitor';
  requestId: string | null;
  routeId: string | null;
  /** Policy name of the limit concerned, when one is. */
  limit: string | null;
  per: LimitKeyKind | null;
  /** The store's sub-code (`store_timeout`, ...) for outage events. */
  storeReason: string | null;
}

/** Counters since start, for metrics. */
export interface LimitCounters {
  /** Requests refused by a limit or budget (429). */
  limited: number;
  /** Requests refused because a limit key or cost could not be read (400). */
  unreadable: number;
  /** Limit store calls that failed. */
  storeFailures: number;
  /** Requests refused with 503 because the store failed on a fail-closed route. */
  failedClosed: number;
  /** Requests let through by the insurance limiter on a fail-open route (`limiter_failure_allowed`). */
  failOpenAllowed: number;
  /** Requests refused by the insurance limiter. */
  insuranceLimited: number;
  /** Monitor-mode limits that would have refused. */
  monitorWouldLimit: number;
}
