import { randomBytes, timingSafeEqual } from 'node:crypto';
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
  /**
   * The keyed MAC over a cookie's contents, under a key every worker and instance shares (the
   * identifier key of the key directory, with a label of its own).
   */
  mac(value: string): string;
  /**
   * Binds sessions to the admin token: a cookie made under another token (the SHA-256 of
   * `admin.tokenSha256`, say) no longer verifies, so changing the token ends every session.
   */
  binding: string;
  /** Ends a session unused this long, ms. Default 15 minutes. */
  idleMs?: number;
  /** Ends any session this long after sign-in, ms. Default 8 hours. */
  maxAgeMs?: number;
  /** Signed-out sessions this process remembers until they expire; the oldest go past it. Default 10,000. */
  maxSignedOut?: number;
}

export interface ConsoleSessions {
  /** Starts a session; returns the cookie value (shown to the browser only) and the session. */
  create(): { id: string; session: ConsoleSession };
  /**
   * The live session of a cookie value, marked used, and the cookie value that carries the new
   * use time (to send back, so the idle limit counts from now); undefined when not live.
   */
  use(id: string): { session: ConsoleSession; renewed: string } | undefined;
  /** True when `presented` is the session's CSRF token (constant time). */
  checkCsrf(session: ConsoleSession, presented: string | undefined): boolean;
  /** Signs the session out in this process (see {@link createConsoleSessions}). */
  end(id: string): void;
  readonly idleMs: number;
}

const FORMAT = /^v1\.([A-Za-z0-9_-]{22})\.(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Console sessions that need no shared memory: the cookie value is
 * `v1.<session id>.<signed in at>.<last used at>.<MAC>`, the MAC keyed with the deployment's
 * identifier key (under its own label) and bound to the admin token, so any worker of
 * `portcullis start --workers` and any instance sharing the key directory accepts it. The cookie
 * is HttpOnly; the CSRF token is a MAC of the session id, which every worker can recompute.
 * Each use re-issues the cookie with the new use time, so a session ends `idleMs` after its last
 * use, and in any case `maxAgeMs` after sign-in. Changing the admin token or the identifier key
 * ends every session.
 *
 * Signing out clears the cookie in the browser and puts the session id on a deny list kept in
 * this process until the session would have expired. That list is per process: with several
 * workers, another worker still accepts a copy of the cookie taken before sign-out until it goes
 * unused for `idleMs` (or reaches `maxAgeMs`). Changing the admin token ends every session at once.
 *
 * @example
 * ```ts
 * const sessions = createConsoleSessions({ clock: systemClock, mac: identifiers.consoleSession, binding });
 * const { id, session } = sessions.create(); // Set-Cookie: id; answer session.csrfToken
 * ```
 */
export function createConsoleSessions(options: ConsoleSessionsOptions): ConsoleSessions {
  const { clock, mac, binding } = options;
  const idleMs = options.idleMs ?? 15 * 60_000;
  const maxAgeMs = options.maxAgeMs ?? 8 * 3_600_000;
  const maxSignedOut = options.maxSignedOut ?? 10_000;
  /** Signed-out session ids, each with the time after which its cookie is dead anyway. */
  const signedOut = new Map<string, number>();

  const sign = (sid: string, createdAt: number, lastUsedAt: number) => {
    const body = `v1.${sid}.${createdAt}.${lastUsedAt}`;
    return `${body}.${mac(`cookie\u0000${binding}\u0000${body}`)}`;
  };
  const csrfOf = (sid: string) => mac(`csrf\u0000${binding}\u0000${sid}`);
  const sessionOf = (sid: string, createdAt: number, lastUsedAt: number): ConsoleSession => ({
    csrfToken: csrfOf(sid),
    createdAt,
    lastUsedAt,
    expiresAt: createdAt + maxAgeMs,
  });
  const read = (id: string) => {
    const parts = FORMAT.exec(id);
    if (parts === null) return undefined;
    const [, sid, created, used] = parts as unknown as [string, string, string, string];
    const createdAt = Number(created);
    const lastUsedAt = Number(used);
    if (!sameText(sign(sid, createdAt, lastUsedAt), id)) return undefined;
    return { sid, createdAt, lastUsedAt };
  };

  return {
    idleMs,
    create() {
      const now = clock.now();
      const sid = randomBytes(16).toString('base64url');
      return { id: sign(sid, now, now), session: sessionOf(sid, now, now) };
    },
    use(id) {
      const cookie = read(id);
      if (cookie === undefined) return undefined;
      const now = clock.now();
      const { sid, createdAt, lastUsedAt } = cookie;
      // A cookie from the future (clock skew between machines aside) is refused like a dead one.
      if (createdAt > now || lastUsedAt > now || lastUsedAt < createdAt) return undefined;
      if (now >= createdAt + maxAgeMs || now >= lastUsedAt + idleMs) return undefined;
      if (signedOut.has(sid)) return undefined;
      return { session: sessionOf(sid, createdAt, now), renewed: sign(sid, createdAt, now) };
    },
    checkCsrf(session, presented) {
      return presented !== undefined && sameText(session.csrfToken, presented);
    },
    end(id) {
      const cookie = read(id);
      if (cookie === undefined) return;
      const now = clock.now();
      for (const [sid, until] of signedOut) if (until <= now) signedOut.delete(sid);
      while (signedOut.size >= maxSignedOut) signedOut.delete(signedOut.keys().next().value as string);
      signedOut.set(cookie.sid, cookie.createdAt + maxAgeMs);
    },
  };
}
