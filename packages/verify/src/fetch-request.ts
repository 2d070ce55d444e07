import type { AppRequest } from './app-request.js';
import { readStreamLimited } from './read-stream-limited.js';

/**
 * An {@link AppRequest} over a Fetch API `Request` (Hono, Workers, Deno, Bun). The target is the
 * URL's path and query as the runtime parsed it: a client that sends canonical paths (the SDK
 * does) signs exactly that. The body, when a proof route asks for it, is read from a clone, so
 * the handler can still read the request.
 */
export function fetchAppRequest(request: Request): AppRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    target: `${url.pathname}${url.search}`,
    header: (name) => request.headers.get(name) ?? undefined,
    async body(maxBytes) {
      const declared = request.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) return null;
      return readStreamLimited(request.clone().body, maxBytes);
    },
  };
}
