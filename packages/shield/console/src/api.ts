// Talks to the admin API under /console/api with the session cookie; the CSRF token of the
// session lives in this module's memory only (never in storage), and is fetched again on reload.

export interface ApiError {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
}

let csrfToken: string | undefined;

async function call(path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = { credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.method = 'POST';
    init.body = JSON.stringify(body);
    init.headers = {
      'content-type': 'application/json',
      ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}),
    };
  }
  const res = await fetch(`/console/api${path}`, init);
  const text = await res.text();
  const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!res.ok) throw { status: res.status, ...parsed } as ApiError;
  return parsed;
}

/** GET `path`, or POST `body` as JSON with the CSRF token. */
export const api = (path: string, body?: unknown) => call(path, body);

/** Resumes a session (after a reload) when the cookie is still good. */
export async function startSession(): Promise<boolean> {
  try {
    csrfToken = ((await call('/session')) as { csrfToken: string }).csrfToken;
    return true;
  } catch {
    return false;
  }
}

export async function signIn(token: string): Promise<void> {
  csrfToken = ((await call('/login', { token })) as { csrfToken: string }).csrfToken;
}

export async function signOut(): Promise<void> {
  try {
    await call('/logout', {});
  } finally {
    csrfToken = undefined;
  }
}
