/** A request as the probe writes it: every byte chosen, nothing added or normalised. */
export interface RawRequest {
  method: string;
  /** The request target exactly as it goes on the request line. */
  target: string;
  /** Header lines in order; names and values are written as they are (duplicates, odd casing). */
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
}

/** The bytes of `request`: request line, header lines, an empty line, the body. */
export function serializeRequest(request: RawRequest): Buffer {
  const head = [`${request.method} ${request.target} HTTP/1.1`];
  for (const [name, value] of request.headers) head.push(`${name}: ${value}`);
  return Buffer.concat([
    Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
    request.body ?? Buffer.alloc(0),
  ]);
}
