import { utf8ToBytes } from '@noble/hashes/utils.js';

const EMPTY = new Uint8Array(0);

/**
 * The bytes `fetch` will send for `body`, when they can be known without consuming it: strings
 * (UTF-8, as fetch encodes them), ArrayBuffer and its views, Blob, URLSearchParams. Returns
 * undefined for bodies that can be read only once (ReadableStream, FormData, React Native's
 * `{ uri }` uploads): such a request can be sent once, never signed or retried.
 */
export async function readBodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body === 'string') return utf8ToBytes(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  }
  if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
    return utf8ToBytes(body.toString());
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    const blob = body as Blob & { arrayBuffer?: () => Promise<ArrayBuffer> };
    const buffer =
      typeof blob.arrayBuffer === 'function'
        ? await blob.arrayBuffer()
        : await new Response(blob).arrayBuffer();
    return new Uint8Array(buffer);
  }
  return undefined;
}
