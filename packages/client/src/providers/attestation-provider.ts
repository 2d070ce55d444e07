import type { Evidence, Platform } from '@portcullis/protocol';

/**
 * What the client core needs from a platform: evidence for a first attestation, and, when the
 * platform has a device key that signs, assertions for cheap refreshes and signatures for
 * per-request proofs. Providers hold the device key's record (persisted in the storage object they
 * were given); the core holds the token, in memory only.
 *
 * Write your own only for a platform the SDK does not cover; `createAppAttestProvider`,
 * `createAndroidProvider`, `createDebugProvider` and the test kit's `createNodeProvider` implement it.
 */
export interface AttestationProvider {
  /** The platform whose evidence this provider produces. */
  readonly platform: Platform;
  /**
   * True when assertions and proofs share a counter the shield requires to increase (App
   * Attest): the core then signs and sends such requests one at a time, in order.
   */
  readonly ordered: boolean;
  /** True for the debug provider in a release build: the core warns. */
  readonly releaseBuild?: boolean;
  /** The id of the device key the shield has registered, or null when the next refresh must attest. */
  currentKey(): Promise<string | null>;
  /** Evidence for `POST /v1/attest` over `challenge`, creating the device key when needed. */
  attest(challenge: string): Promise<Evidence[]>;
  /** The shield accepted the last `attest` and registered its key as `keyId` (undefined for keyless evidence). */
  attested(keyId: string | undefined): Promise<void>;
  /** `b64` assertion by `keyId` over `challenge` (protocol §2.2). Absent when the device key cannot sign. */
  assert?(keyId: string, challenge: string): Promise<string>;
  /**
   * The raw signature of a proof message (protocol §4) by `keyId`: the App Attest assertion
   * CBOR (iOS), or the DER ECDSA signature (Android). Absent when the device key cannot sign.
   */
  signProof?(keyId: string, message: string): Promise<Uint8Array>;
  /** Forgets the device key, so that the next refresh attests a new one. */
  forgetKey(): Promise<void>;
}
