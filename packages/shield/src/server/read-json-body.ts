import type { IncomingMessage } from 'node:http';
import { ShieldError } from '../errors.js';
import { decodeJsonObject } from '../tokens/index.js';

/**
 * Reads a JSON request body of at most `maxBytes`: a declared length over the limit is refused
 * before reading, a streamed body as soon as it crosses it. Compressed bodies are refused (no
 * decompression bombs), as is anything but one JSON value.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== 'identity') {
    throw new ShieldError('unsupported_media_type', 'request_content_encoding');
  }
  const type = req.headers['content-type'];
  if (type === undefined || !/^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new ShieldError('unsupported_media_type', 'content_type_not_json');
  }
  // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset is refused, not guessed.
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new ShieldError('unsupported_media_type', 'content_type_not_json');
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new ShieldError('payload_too_large', 'content_length_over_limit');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ShieldError('payload_too_large', 'body_over_limit');
    chunks.push(chunk);
  }
  // One strict decoder for every protocol body: UTF-8 only (no silent U+FFFD repair), no member
  // sent twice (JSON.parse keeps the last one, another parser the first), bounded depth.
  const decoded = decodeJsonObject(Buffer.concat(chunks, size), { maxDepth: 16, integersOnly: false });
  if (!decoded.ok) {
    throw new ShieldError('bad_request', 'json_malformed', {
      message:
        decoded.problem === 'duplicate_member'
          ? 'Request body sends a member twice'
          : decoded.problem === 'not_utf8'
            ? 'Request body is not UTF-8'
            : 'Request body is not a JSON object',
    });
  }
  return decoded.value;
}
