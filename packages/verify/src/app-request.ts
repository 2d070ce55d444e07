/** The parts of an HTTP request the verifier reads before the body. Adapters build it from their framework's request. */
export interface AppRequestHead {
  /** The method exactly as sent (`POST`). */
  method: string;
  /** Path and query exactly as the client sent them (`/pay?cart=1`): what a proof signs. */
  target: string;
  /**
   * A header by lower-case name: undefined when absent, an array when the adapter saw it more
   * than once. Runtimes that join repeated headers with `, ` (fetch, API Gateway) pass the
   * joined string: a token or proof never holds a comma, so the verifier still sees the repeat.
   */
  header(name: string): string | readonly string[] | undefined;
}

/** A request whose body the verifier can read (proof routes only), up to a limit. */
export interface AppRequest extends AppRequestHead {
  /** The body as sent, or null as soon as it is longer than `maxBytes` (the rest is not read). */
  body(maxBytes: number): Promise<Uint8Array | null>;
}
