/**
 * Where proofs already seen are remembered, so each is accepted once (protocol §4.5). The same
 * contract as the shield's replay store.
 */
export interface ReplayStore {
  /**
   * Records `key` until `now + ttlMs` and resolves true when it was not already recorded (and
   * unexpired). Atomic: of two concurrent calls with one key, exactly one gets true. Rejects when
   * the store cannot answer: the verifier then refuses the request (503), never lets it through.
   */
  firstSeen(key: string, ttlMs: number, now: number): Promise<boolean>;
}
