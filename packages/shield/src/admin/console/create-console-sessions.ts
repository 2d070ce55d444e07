import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';

/** One signed-in console tab (or browser): its CSRF token and when it ends. */
export interface ConsoleSession {
  csrfToken: string;
  createdAt: number;
  lastUsedAt: number;
  /** The session ends at `lastUsedAt + idleMs` or at this time, whichever comes first. */
  expiresAt: number;
}

export interface ConsoleSessionsOptions {
  clock: Clock;
  /** Ends a session unused this long, ms. Default 15 minutes. */
  idleMs?: number;
  /** Ends any session this long after sign-in, ms. Default 8 hours. */
  maxAgeMs?: number;
  /** Sessions kept at once; the oldest is ended past it. Default 1000. */
  maxSessions?: number;
}

export interface ConsoleSessions {
  /** Starts a session; returns the cookie value (shown to the browser only) and the session. */
  create(): { id: string; session: ConsoleSession };
  /** The live session of a cookie value (and marks it used), or undefined. */
  use(id: string): ConsoleSession | undefined;
  /** True when `presented` is the session's CSRF token (constant time). */
  checkCsrf(session: ConsoleSession, presented: string | undefined): boolean;
  end(id: string): void;
  readonly idleMs: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Console sessions, in this process's memory: a session id is 32 random bytes (base64url) that
 * only the browser's HttpOnly cookie holds; the map keeps its SHA-256, so a heap dump yields no
 * usable cookie. Each session has its own CSRF token for state-changing requests. Sessions end
 * when idle (`idleMs`), at `maxAgeMs`, on sign-out and on restart.
 *
 * @example
 * ```ts
 * const sessions = createConsoleSessions({ clock: systemClock });
 * const { id, session } = sessions.create(); // Set-Cookie: id; answer session.csrfToken
 * ```
 */
export function createConsoleSessions(options: ConsoleSessionsOptions): ConsoleSessions {
  const { clock } = options;
  const idleMs = options.idleMs ?? 15 * 60_000;
  const maxAgeMs = options.maxAgeMs ?? 8 * 3_600_000;
  const maxSessions = options.maxSessions ?? 1000;
  const sessions = new Map<string, ConsoleSession>();

  const live = (session: ConsoleSession, now: number) =>
    now < session.expiresAt && now < session.lastUsedAt + idleMs;

  return {
    idleMs,
    create() {
      const now = clock.now();
      for (const [key, session] of sessions) if (!live(session, now)) sessions.delete(key);
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value as string);
      const id = randomBytes(32).toString('base64url');
      const session: ConsoleSession = {
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: now,
        lastUsedAt: now,
        expiresAt: now + maxAgeMs,
      };
      sessions.set(digest(id), session);
      return { id, session };
    },
    use(id) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const key = digest(id);
      const session = sessions.get(key);
      if (session === undefined) return undefined;
      const now = clock.now();
      if (!live(session, now)) {
        sessions.delete(key);
        return undefined;
      }
      session.lastUsedAt = now;
      return session;
    },
    checkCsrf(session, presented) {
      if (presented === undefined) return false;
      const expected = Buffer.from(session.csrfToken);
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    end(id) {
      sessions.delete(digest(id));
    },
  };
}
