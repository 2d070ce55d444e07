import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { AppRequestHead } from './app-request.js';

/**
 * A header reader over a Node request's raw headers (Express, Fastify): a name sent more than once
 * comes back as an array. Node itself keeps only the first Authorization and joins other
 * repeats, which would hide a second token or Authorization from the checks.
 */
export function nodeHeaderReader(req: IncomingMessage): AppRequestHead['header'] {
  return (name) => {
    const raw = req.rawHeaders;
    let found: string | undefined;
    let all: string[] | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.length !== name.length || raw[i]!.toLowerCase() !== name) continue;
      const value = raw[i + 1]!;
      if (found === undefined) {
        found = value;
      } else {
        all ??= [found];
        all.push(value);
      }
    }
    return all ?? found;
  };
}

/**
 * Reads a Node body stream up to `maxBytes`: the bytes, or null as soon as it is longer (or
 * declares a longer Content-Length) and the rest is left unread: answer 413 with
 * `Connection: close`. Rejects when the stream fails or the client goes away.
 */
export function readNodeBody(
  stream: Readable,
  maxBytes: number,
  declaredLength: string | undefined,
): Promise<Uint8Array | null> {
  if (declaredLength !== undefined && /^\d+$/.test(declaredLength) && Number(declaredLength) > maxBytes) {
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        cleanup();
        stream.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the client closed the connection before the body was read'));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
