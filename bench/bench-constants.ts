/** Settings every setup of the benchmark shares, so each does the same work. */

/** The upstream's answer to GET /api/** (about 120 bytes, like a small API response). */
export const UPSTREAM_BODY =
  '{"items":[{"id":1,"name":"tea","price":350},{"id":2,"name":"coffee","price":420}],"page":1,"more":false}';

/** Path every load tool requests. */
export const BENCH_PATH = '/api/items';

/** Header the proxies inject and the upstream requires. */
export const PROVIDER_HEADER = 'x-provider-key';

/** App, audience and issuer of the benchmark's app tokens. */
export const BENCH_APP = 'shop';
export const BENCH_AUDIENCE = 'shop-api';
export const BENCH_ISSUER = 'http://127.0.0.1:8080';

/**
 * Per-device and per-IP limits of every protected setup: high enough never to refuse during a run, so the
 * limiter's cost is measured, not its 429s.
 */
export const DEVICE_LIMIT_MAX = 1_000_000_000;

/** Size of the large answer the streaming setups fetch (`portcullis-stream-*`), bytes. */
export const STREAM_BODY_BYTES = 1024 * 1024;

/** Path of the large answer at the upstream. */
export const STREAM_UPSTREAM_PATH = '/large/items';

/** The large answer: a JSON-looking list of items, the same bytes for every upstream of a run. */
export function streamBody(): Buffer {
  const parts: string[] = ['['];
  let size = 1;
  for (let i = 0; size < STREAM_BODY_BYTES; i++) {
    const item = `{"id":${i},"name":"item ${i}","price":${(i * 37) % 1000},"tags":["tea","coffee"]},`;
    parts.push(item);
    size += item.length;
  }
  return Buffer.from(parts.join('')).subarray(0, STREAM_BODY_BYTES);
}
