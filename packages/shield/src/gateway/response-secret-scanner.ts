import { SECRET_FOUND, type SecretMatcher } from './compile-secret-matcher.js';

/**
 * Scans one response body as it streams and says which bytes are safe to send. Bytes that could
 * still be the beginning of a secret form (at most the longest form minus one, usually none) are
 * held back until the next chunk shows they are not, so no part of a secret split across chunks is
 * sent before the scanner has seen all of it.
 */
export class ResponseSecretScanner {
  private state: number;
  private held: Buffer | null = null;
  private readonly out: Buffer[] = [];

  constructor(private readonly matcher: SecretMatcher) {
    this.state = matcher.initial;
  }

  /**
   * Feeds the next chunk. Returns the bytes that may now be sent, in order (often the chunk
   * itself; the array is reused by the next call), or null when a secret form completed: then
   * nothing more may be sent.
   */
  push(chunk: Buffer): readonly Buffer[] | null {
    const state = this.matcher.scan(this.state, chunk);
    if (state === SECRET_FOUND) {
      this.held = null;
      return null;
    }
    this.state = state;
    const out = this.out;
    out.length = 0;
    const keep = this.matcher.pending(state);
    const held = this.held;
    const heldLength = held === null ? 0 : held.length;
    const ready = heldLength + chunk.length - keep;
    if (held === null || ready >= heldLength) {
      if (held !== null && heldLength > 0) out.push(held);
      const fromChunk = ready - heldLength;
      if (fromChunk > 0) out.push(fromChunk === chunk.length ? chunk : chunk.subarray(0, fromChunk));
      // A copy: the held bytes outlive the chunk, whose memory the HTTP client may reuse.
      this.held = keep === 0 ? null : Buffer.from(chunk.subarray(chunk.length - keep));
    } else {
      if (ready > 0) out.push(held.subarray(0, ready));
      this.held = Buffer.concat([held.subarray(ready), chunk]);
    }
    return out;
  }

  /** The bytes still held back once the body is complete (no form completed), or null. */
  end(): Buffer | null {
    const held = this.held;
    this.held = null;
    return held;
  }
}
