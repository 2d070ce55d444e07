import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseFormatError, readHttpResponses } from './read-http-responses.js';

const read = (text: string, ended = true, methods?: string[]) =>
  readHttpResponses(Buffer.from(text, 'latin1'), { ended, ...(methods ? { methods } : {}) });

function refusal(text: string): string {
  try {
    read(text);
  } catch (error) {
    assert.ok(error instanceof ResponseFormatError, String(error));
    return error.reason;
  }
  assert.fail(`accepted: ${JSON.stringify(text)}`);
}

describe('readHttpResponses', () => {
  test('reads Content-Length, chunked and close-delimited bodies, and skips interim answers', () => {
    const { responses } = read(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\nhi' +
        'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nab\r\n1\r\nc\r\n0\r\nT: v\r\n\r\n' +
        'HTTP/1.0 500\r\n\r\nuntil the end',
    );
    assert.deepEqual(
      responses.map((r) => [r.status, r.body.toString(), r.interim]),
      [
        [200, 'hi', [100]],
        [201, 'abc', []],
        [500, 'until the end', []],
      ],
    );
    assert.deepEqual(responses[0]!.headers, [
      ['content-length', '2'],
      ['x-a', 'b'],
    ]);
  });

  test('a HEAD answer, 204 and 304 have no body; 101 ends the reading', () => {
    const { responses } = read(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
      true,
      ['HEAD', 'GET'],
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 204],
    );
    assert.equal(
      read('HTTP/1.1 101 Switching\r\nUpgrade: h2c\r\n\r\n\u0000\u0001binary').responses.length,
      1,
    );
  });

  test('an incomplete answer is pending until the connection ends, then refused as truncated', () => {
    assert.deepEqual(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab', false), {
      responses: [],
      pending: true,
    });
    assert.equal(refusal('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'), 'truncated');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'), 'truncated');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nX: y'), 'truncated');
  });

  test('refuses what a strict reader must: bad status lines, bare CR/LF, obs-fold, framing conflicts, bad sizes', () => {
    assert.equal(refusal('HTTP/2 200\r\n\r\n'), 'status_line');
    assert.equal(refusal('HTTP/1.1 99 Low\r\n\r\n'), 'status_line');
    assert.equal(refusal('HTTP/1.1 200 OK\nX: y\r\n\r\n'), 'bare_cr_or_lf');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n'), 'bare_cr_or_lf');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\n\r\n'), 'header_line');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n'), 'header_line');
    assert.equal(
      refusal('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'),
      'framing_conflict',
    );
    assert.equal(
      refusal('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'),
      'content_length',
    );
    assert.equal(refusal('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), 'content_length');
    // Found by fuzzing against Node's parser: the framing of a bodiless answer is checked too.
    assert.equal(refusal('HTTP/1.1 204 No Content\r\nContent-Length:!0\r\n\r\n'), 'content_length');
    assert.equal(refusal('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 'chunk');
    assert.equal(
      refusal('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n'),
      'chunk',
    );
  });

  test('bounds: a head or a body past the limits is refused without reading further', () => {
    const limits = { maxHeadBytes: 64, maxBodyBytes: 8 };
    const over = (text: string, ended = false) => {
      try {
        readHttpResponses(Buffer.from(text), { ended, limits });
      } catch (error) {
        return (error as ResponseFormatError).reason;
      }
      return 'accepted';
    };
    assert.equal(over(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}`), 'head_too_large');
    assert.equal(over('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'), 'body_too_large');
    assert.equal(over('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n'), 'body_too_large');
    assert.equal(over('HTTP/1.1 200 OK\r\n\r\n123456789', true), 'body_too_large');
    assert.equal(over('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n12345678', true), 'accepted');
  });
});
