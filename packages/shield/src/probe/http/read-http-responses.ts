/** Why `readHttpResponses` refused the bytes a server sent. */
export type ResponseFormatReason =
  | 'head_too_large'
  | 'body_too_large'
  | 'status_line'
  | 'header_line'
  | 'bare_cr_or_lf'
  | 'content_length'
  | 'framing_conflict'
  | 'chunk'
  | 'truncated';

/** The bytes a server sent are not HTTP/1.1 this reader accepts; `reason` says which rule failed. */
export class ResponseFormatError extends Error {
  override readonly name = 'ResponseFormatError';
  readonly reason: ResponseFormatReason;

  constructor(reason: ResponseFormatReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** One final response, with the status codes of the interim (1xx) responses before it. */
export interface HttpResponse {
  status: number;
  /** Header lines in order, names lower-cased, values without surrounding whitespace. */
  headers: [string, string][];
  body: Buffer;
  interim: number[];
}

/** Bounds of the reader: past them the bytes are refused, never buffered further. */
export interface ResponseLimits {
  maxHeadBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = { maxHeadBytes: 64 * 1024, maxBodyBytes: 1024 * 1024 };

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^[0-9]{1,15}$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

type Step = { response: HttpResponse; end: number } | 'incomplete';

function headerValues(headers: readonly [string, string][], name: string): string[] {
  return headers.filter(([n]) => n === name).map(([, v]) => v);
}

/** Status line and header lines of one head (without its final CRLF CRLF). */
function parseHead(head: Buffer): { status: number; headers: [string, string][] } {
  const text = head.toString('latin1');
  const lines = text.split('\r\n');
  for (const line of lines) {
    if (line.includes('\r') || line.includes('\n')) {
      throw new ResponseFormatError('bare_cr_or_lf', 'a line of the response head holds a bare CR or LF');
    }
  }
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (match === null) throw new ResponseFormatError('status_line', 'the status line is not HTTP/1.x NNN');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
      throw new ResponseFormatError('header_line', 'a header line is not name: value');
    }
    headers.push([name.toLowerCase(), value]);
  }
  return { status: Number(match[1]), headers };
}

/** A chunked body from `start`: the decoded bytes and where the message ends, or incomplete. */
function readChunked(
  data: Buffer,
  start: number,
  limits: ResponseLimits,
): { body: Buffer; end: number } | 'incomplete' {
  const parts: Buffer[] = [];
  let size = 0;
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd === -1) {
      if (data.length - at > 1024) throw new ResponseFormatError('chunk', 'a chunk-size line is too long');
      return 'incomplete';
    }
    const match = CHUNK_SIZE.exec(data.subarray(at, lineEnd).toString('latin1'));
    if (match === null) throw new ResponseFormatError('chunk', 'a chunk-size line is malformed');
    const length = Number.parseInt(match[1]!, 16);
    if (size + length > limits.maxBodyBytes) {
      throw new ResponseFormatError('body_too_large', 'the chunked body is larger than allowed');
    }
    at = lineEnd + 2;
    if (length === 0) {
      // Trailers end with an empty line, like the head.
      if (data.length - at >= 2 && data[at] === 0x0d && data[at + 1] === 0x0a) {
        return { body: Buffer.concat(parts), end: at + 2 };
      }
      const trailersEnd = data.indexOf(HEAD_END, at);
      if (trailersEnd === -1) {
        if (data.length - at > limits.maxHeadBytes) {
          throw new ResponseFormatError('head_too_large', 'the trailers are larger than allowed');
        }
        return 'incomplete';
      }
      parseHead(Buffer.concat([Buffer.from('HTTP/1.1 200\r\n'), data.subarray(at, trailersEnd)]));
      return { body: Buffer.concat(parts), end: trailersEnd + 4 };
    }
    if (data.length < at + length + 2) return 'incomplete';
    if (data[at + length] !== 0x0d || data[at + length + 1] !== 0x0a) {
      throw new ResponseFormatError('chunk', 'a chunk does not end with CRLF');
    }
    parts.push(data.subarray(at, at + length));
    size += length;
    at += length + 2;
  }
}

function readOne(data: Buffer, offset: number, ended: boolean, method: string, limits: ResponseLimits): Step {
  const interim: number[] = [];
  let at = offset;
  for (;;) {
    const headEnd = data.indexOf(HEAD_END, at);
    if (headEnd === -1 || headEnd - at > limits.maxHeadBytes) {
      if (data.length - at > limits.maxHeadBytes) {
        throw new ResponseFormatError('head_too_large', 'the response head is larger than allowed');
      }
      if (ended) throw new ResponseFormatError('truncated', 'the connection ended inside a response head');
      return 'incomplete';
    }
    const { status, headers } = parseHead(data.subarray(at, headEnd));
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200 && status !== 101) {
      interim.push(status);
      at = bodyStart;
      continue;
    }
    const done = (body: Buffer, end: number): Step => ({ response: { status, headers, body, interim }, end });
    const encodings = headerValues(headers, 'transfer-encoding');
    const lengths = headerValues(headers, 'content-length');
    // The framing headers must be well-formed even on an answer without a body (HEAD, 204, 304).
    if (encodings.length > 0 && lengths.length > 0) {
      throw new ResponseFormatError(
        'framing_conflict',
        'the response has Content-Length and Transfer-Encoding',
      );
    }
    let length: number | undefined;
    if (lengths.length > 0) {
      const values = new Set(lengths.flatMap((value) => value.split(',').map((part) => part.trim())));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !DIGITS.test(only)) {
        throw new ResponseFormatError('content_length', 'the Content-Length is not one decimal number');
      }
      length = Number(only);
    }
    if (method === 'HEAD' || status === 101 || status === 204 || status === 304) {
      return done(Buffer.alloc(0), bodyStart);
    }
    if (encodings.length > 0) {
      const codings = encodings
        .join(',')
        .split(',')
        .map((coding) => coding.trim().toLowerCase());
      if (codings.at(-1) === 'chunked') {
        const chunked = readChunked(data, bodyStart, limits);
        if (chunked === 'incomplete') {
          if (ended) throw new ResponseFormatError('truncated', 'the connection ended inside a chunked body');
          return 'incomplete';
        }
        return done(Buffer.from(chunked.body), chunked.end);
      }
    } else if (length !== undefined) {
      if (length > limits.maxBodyBytes) {
        throw new ResponseFormatError('body_too_large', 'the declared body is larger than allowed');
      }
      if (data.length < bodyStart + length) {
        if (ended) throw new ResponseFormatError('truncated', 'the connection ended inside the body');
        return 'incomplete';
      }
      return done(Buffer.from(data.subarray(bodyStart, bodyStart + length)), bodyStart + length);
    }
    // Delimited by the end of the connection.
    if (data.length - bodyStart > limits.maxBodyBytes) {
      throw new ResponseFormatError('body_too_large', 'the body is larger than allowed');
    }
    if (!ended) return 'incomplete';
    return done(Buffer.from(data.subarray(bodyStart)), data.length);
  }
}

/**
 * Reads the HTTP/1.1 responses in the bytes a server sent on one connection, strictly and within
 * bounds: a status line `HTTP/1.x NNN`, header lines `token: value` ended by CRLF (a bare CR or
 * LF, obs-fold, or a non-token name is refused), interim 1xx responses skipped, the body framed by
 * chunked encoding, one Content-Length, or the end of the connection (`ended`). `methods[i]` is
 * the method of the i-th request (a HEAD answer has no body). Returns the complete responses and
 * whether bytes of an incomplete one remain; throws ResponseFormatError for anything else.
 */
export function readHttpResponses(
  data: Buffer,
  options: { ended: boolean; methods?: readonly string[]; limits?: ResponseLimits },
): { responses: HttpResponse[]; pending: boolean } {
  const limits = options.limits ?? DEFAULT_RESPONSE_LIMITS;
  const responses: HttpResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const method = options.methods?.[responses.length] ?? 'GET';
    const step = readOne(data, offset, options.ended, method, limits);
    if (step === 'incomplete') return { responses, pending: true };
    responses.push(step.response);
    if (step.end <= offset) break;
    offset = step.end;
    if (step.response.status === 101) break;
  }
  return { responses, pending: false };
}
