import assert from 'node:assert/strict';
import { request } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../../test/support/fuzz-budget.js';
import { ResponseFormatError, readHttpResponses } from './read-http-responses.js';

// Fuzzing the probe's reader of the answers a target sends (a target under test is untrusted).
// It may only refuse with ResponseFormatError; and a response it accepts, Node's own HTTP parser
// (llhttp, strict) reads too, with the same status and body.

let server: ReturnType<typeof createServer>;
let port = 0;
let next: Buffer = Buffer.alloc(0);
before(async () => {
  server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(next));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What Node's HTTP client reads from `bytes`: the status and body, or null when it refuses them. */
function nodeReads(bytes: Buffer): Promise<{ status: number; body: Buffer } | null> {
  next = bytes;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve(null));
      res.on('aborted', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

const heads = fc.constantFrom(
  'HTTP/1.1 200 OK',
  'HTTP/1.1 404 Not Found',
  'HTTP/1.0 500',
  'HTTP/1.1 401 ',
  'HTTP/1.1 204 No Content',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK',
);
const headerLines = fc.array(
  fc.oneof(
    fc.constantFrom(
      'Content-Type: application/problem+json',
      'X-Request-Id: 1',
      'Connection: close',
      'Server: x',
    ),
    fc
      .tuple(fc.stringMatching(/^[A-Za-z-]{1,8}$/), fc.string({ maxLength: 10 }))
      .map(([n, v]) => `${n}: ${v}`),
  ),
  { maxLength: 4 },
);
const bodies = fc.string({ maxLength: 40 });
const framed = fc
  .tuple(heads, headerLines, bodies, fc.constantFrom('length', 'chunked', 'close', 'wrong-length'))
  .map(([head, lines, body, framing]) => {
    const bytes = Buffer.from(body);
    const extra =
      framing === 'length'
        ? [`Content-Length: ${bytes.length}`]
        : framing === 'wrong-length'
          ? [`Content-Length: ${bytes.length + 3}`]
          : framing === 'chunked'
            ? ['Transfer-Encoding: chunked']
            : [];
    const payload =
      framing === 'chunked' ? Buffer.from(`${bytes.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`) : bytes;
    return Buffer.concat([Buffer.from(`${[head, ...lines, ...extra].join('\r\n')}\r\n\r\n`), payload]);
  });
const answers = fc.oneof(
  framed,
  fc.tuple(framed, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([bytes, at, mask]) => {
    const copy = Buffer.from(bytes);
    copy[at % copy.length]! ^= mask;
    return copy;
  }),
  fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
);

test('the probe reads a target’s answers strictly: its own error only, and nothing Node’s parser refuses', async () => {
  await fc.assert(
    fc.asyncProperty(answers, async (bytes) => {
      let responses: ReturnType<typeof readHttpResponses>['responses'];
      try {
        responses = readHttpResponses(bytes, { ended: true }).responses;
      } catch (error) {
        assert.ok(error instanceof ResponseFormatError, `threw ${String(error)}`);
        return;
      }
      const first = responses[0];
      if (first === undefined) return;
      const reference = await nodeReads(bytes);
      assert.ok(reference !== null, 'read an answer Node refuses');
      assert.equal(reference.status, first.status);
      assert.ok(reference.body.equals(first.body), 'the body differs');
    }),
    fuzzParameters(150, 1),
  );
});
