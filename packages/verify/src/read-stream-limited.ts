/**
 * Reads a byte stream to its end, or stops (cancelling the stream) as soon as it holds more than
 * `maxBytes`: then resolves to null. A null stream is an empty body. Memory stays bounded by
 * `maxBytes` plus one chunk whatever the sender declared.
 *
 * @example
 * ```ts
 * const body = await readStreamLimited(request.clone().body, 1024 * 1024);
 * if (body === null) return tooLarge();
 * ```
 */
export async function readStreamLimited(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | null> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
