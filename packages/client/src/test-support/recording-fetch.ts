/**
 * Test support: a `fetch` that records what the SDK sends (method, URL, headers, body) and can
 * send it to another origin than the one the SDK was given, like a load balancer in front of a
 * restarted shield. Used by the client's *.test.ts files only.
 */

export interface RecordedRequest {
  method: string;
  url: string;
  /** Path and query as sent. */
  target: string;
  headers: Record<string, string>;
  body: Uint8Array;
  status: number | null;
}

export interface RecordingFetch {
  fetch(url: string, init: RequestInit): Promise<Response>;
  requests: RecordedRequest[];
  /** Requests whose path is `path` (query ignored). */
  to(path: string): RecordedRequest[];
  /** Sends everything for `from` to `to` instead (origins, no trailing slash). */
  redirect(from: string, to: string): void;
}

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  return new Uint8Array(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

export function createRecordingFetch(): RecordingFetch {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, string>();
  return {
    requests,
    to: (path) => requests.filter((r) => r.target.split('?')[0] === path),
    redirect(from, to) {
      routes.set(from, to);
    },
    async fetch(url, init) {
      const origin = /^https?:\/\/[^/]+/.exec(url)![0];
      const target = url.slice(origin.length);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const record: RecordedRequest = {
        method: init.method ?? 'GET',
        url,
        target,
        headers,
        body: await bodyBytes(init.body),
        status: null,
      };
      requests.push(record);
      const response = await globalThis.fetch((routes.get(origin) ?? origin) + target, init);
      record.status = response.status;
      return response;
    },
  };
}
