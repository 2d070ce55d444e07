import type { AssuranceLevel, EvidenceType, JsonWebKeyLike, Platform } from '@portcullis/protocol';

/**
 * The one contract every evidence verifier meets. A verifier is a pure function of
 * (evidence, policy, trust anchors, time): it performs no I/O, reads no clock and touches no
 * store. The server looks up challenges and devices, calls the verifier, then registers the key.
 */

/** Audit-safe facts a verifier reports (security level, boot state, patch level, ...). */
export type EvidenceFacts = Record<string, string | number | boolean>;

export interface VerifiedEvidence {
  type: EvidenceType;
  platform: Platform;
  level: AssuranceLevel;
  /** Protocol key id of the device key (protocol §1), when the evidence attests a key. */
  keyId?: string;
  /** The attested device public key as a JWK (EC P-256), when the evidence attests a key. */
  publicKeyJwk?: JsonWebKeyLike;
  /** App Attest sign counter (0 after attestation). */
  counter?: number;
  /** App Attest receipt, kept for a later fraud-metric check. */
  receipt?: Uint8Array;
  /** True when the evidence chains to a test-kit root: only a development-mode shield accepts it. */
  testRoot: boolean;
  facts: EvidenceFacts;
}

/**
 * Why verification failed. `code` is the precise, stable sub-code recorded in the audit log
 * (`apple_nonce_mismatch`); clients only ever see `evidence_invalid` (or
 * `attestation_unavailable` for kind `unavailable`). `kind` says whether the evidence was
 * cryptographically or structurally wrong (`invalid`), valid but below the app's policy
 * (`policy`), or could not be checked because a dependency was down (`unavailable`).
 */
export interface VerificationFailure {
  ok: false;
  code: string;
  kind: 'invalid' | 'policy' | 'unavailable';
  /** Operator-facing explanation; never contains secrets or raw evidence. */
  message: string;
  /**
   * The values the refusing check compared (`{ counter: 3, storedCounter: 7 }`, the top
   * certificate's subject), for an operator running `portcullis evidence verify`. Never secrets;
   * the shield does not send them to clients.
   */
  compared?: ComparedValues;
}

/** What a refusing check compared, by name. */
export type ComparedValues = Readonly<Record<string, string | number | boolean>>;

/**
 * One named verification step and its verdict, in the order performed, so an operator can see
 * which check refused a device (`portcullis evidence verify`). A step whose input was not given
 * is `skipped`.
 */
export interface StepVerdict {
  step: string;
  verdict: 'pass' | 'fail' | 'skipped';
}

export type VerificationResult =
  | { ok: true; evidence: VerifiedEvidence; steps: StepVerdict[] }
  | (VerificationFailure & { steps: StepVerdict[] });

/** Builds a failure (callers add the `steps` performed so far). */
export function fail(
  code: string,
  kind: VerificationFailure['kind'],
  message: string,
  compared?: ComparedValues,
): VerificationFailure {
  return compared === undefined
    ? { ok: false, code, kind, message }
    : { ok: false, code, kind, message, compared };
}
