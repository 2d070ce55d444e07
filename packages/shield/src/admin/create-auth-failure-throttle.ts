import type { Clock } from '../clock.js';
import { limitKeyForIp } from '../limits/index.js';
import { createLruCache } from '../tokens/index.js';

/** Counts wrong admin tokens per client address and blocks an address that sends too many. */
export interface AuthFailureThrottle {
  /** Whole seconds until `address` may try again; 0 when it is not blocked. */
  blockedFor(address: string): number;
  /** Counts one wrong token from `address`. */
  recordFailure(address: string): void;
  /** Forgets the failures of `address` (it proved it holds the token). */
  recordSuccess(address: string): void;
}

export interface AuthFailureThrottleOptions {
  clock: Clock;
  /** Wrong tokens an address may send per window before it is blocked. Default 10; at least 1. */
  maxFailures?: number;
  /** Length of the window, counted from an address's first failure, ms. Default 60 000; at least 1000. */
  windowMs?: number;
  /** Addresses remembered at once (least recently used are forgotten). Default 10 000; at least 1. */
  maxAddresses?: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`createAuthFailureThrottle: ${name} must be an integer of at least ${min}`);
  }
  return value;
}

/**
 * A small in-memory brake on guessing the admin token: after `maxFailures` wrong tokens from one
 * address (an IPv6 client counts by its /64) within `windowMs` of its first failure, every
 * attempt from it, right or wrong, is refused until the window ends, so the token cannot be
 * tried faster than that. Memory stays bounded by `maxAddresses`. It is per process and
 * forgets on restart; a strong random token is the real protection.
 *
 * @example
 * ```ts
 * const throttle = createAuthFailureThrottle({ clock: systemClock });
 * if (throttle.blockedFor(ip) > 0) refuse();
 * ```
 */
export function createAuthFailureThrottle(options: AuthFailureThrottleOptions): AuthFailureThrottle {
  const maxFailures = positiveInteger(options.maxFailures ?? 10, 'maxFailures', 1);
  const windowMs = positiveInteger(options.windowMs ?? 60_000, 'windowMs', 1000);
  const windows = createLruCache<Window>(positiveInteger(options.maxAddresses ?? 10_000, 'maxAddresses', 1));
  const { clock } = options;

  const current = (key: string, now: number): Window | undefined => {
    const window = windows.get(key);
    if (window === undefined) return undefined;
    if (now - window.startedAt >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  return {
    blockedFor(address) {
      const now = clock.now();
      const window = current(limitKeyForIp(address), now);
      if (window === undefined || window.failures < maxFailures) return 0;
      return Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    },
    recordFailure(address) {
      const key = limitKeyForIp(address);
      const now = clock.now();
      const window = current(key, now);
      if (window === undefined) windows.set(key, { startedAt: now, failures: 1 });
      else window.failures += 1;
    },
    recordSuccess(address) {
      windows.delete(limitKeyForIp(address));
    },
  };
}
