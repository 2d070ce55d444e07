/** Thrown by `take` once the budget is spent: the remaining cases are reported as not run. */
export class BudgetExhausted extends Error {
  override readonly name = 'BudgetExhausted';
}

/** The bound on what the probe sends: a number of requests, at a rate. */
export interface RequestBudget {
  /**
   * Reserves `count` requests and resolves when the rate allows sending them; throws
   * BudgetExhausted (reserving nothing) when fewer than `count` remain.
   */
  take(count?: number): Promise<void>;
  /** Requests reserved so far. */
  readonly sent: number;
  readonly max: number;
  readonly ratePerSecond: number;
}

export interface RequestBudgetOptions {
  max: number;
  ratePerSecond: number;
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

const timerSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Paces requests evenly: the n-th request may leave no earlier than (n - 1) / rate seconds after
 * the first, so no burst ever exceeds the rate, and at most `max` requests are ever sent.
 */
export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const { max, ratePerSecond } = options;
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new TypeError('ratePerSecond must be a positive number');
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? timerSleep;
  const spacingMs = 1000 / ratePerSecond;
  let sent = 0;
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    async take(count = 1) {
      if (sent + count > max) throw new BudgetExhausted(`the budget of ${max} requests is spent`);
      sent += count;
      const at = now();
      const start = Math.max(at, nextAt);
      nextAt = start + count * spacingMs;
      if (start > at) await sleep(start - at);
    },
    get sent() {
      return sent;
    },
    max,
    ratePerSecond,
  };
}
