import type { IncomingMessage } from 'node:http';
import { ShieldError } from '../errors.js';

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
  const text = Buffer.concat(chunks, size).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ShieldError('bad_request', 'json_malformed', { message: 'Request body is not valid JSON' });
  }
}
