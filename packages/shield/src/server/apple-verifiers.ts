import type { X509Certificate } from 'node:crypto';
import { verifyAppleAssertion, verifyAppleAttestation } from '../attest/apple/index.js';
import { fail } from '../attest/contract.js';
import { decodeBase64Strict, sha256 } from '../encoding.js';
import type { AssertionVerifier } from './attest-service.js';
import type { EvidenceVerifier } from './evidence-verifiers.js';

export interface AppleAnchors {
  roots: readonly X509Certificate[];
  /** Test-kit roots: passed only by a development-mode shield. */
  testRoots: readonly X509Certificate[];
}

/** App Attest attestation (protocol §2.1): clientDataHash = H(challenge), computed here. */
export function createAppleAttestationVerifier(anchors: AppleAnchors): EvidenceVerifier {
  return async (evidence, { app, challenge, at }) => {
    if (evidence.type !== 'apple-app-attest' || app.ios === undefined) {
      return { ...fail('evidence_type_not_supported', 'invalid', 'no iOS identity for this app'), steps: [] };
    }
    const attestation = decodeBase64Strict(evidence.attestation);
    if (attestation === undefined) {
      return {
        ...fail('evidence_base64_invalid', 'invalid', 'attestation is not canonical base64'),
        steps: [],
      };
    }
    return verifyAppleAttestation(
      { keyId: evidence.keyId, attestation, clientDataHash: sha256(challenge) },
      { appIds: app.ios.appIds, environments: app.ios.environments },
      anchors,
      at,
    );
  };
}

/** App Attest assertion (protocol §2.2): signature over H(authenticatorData ‖ H(challenge)). */
export const appleAssertionVerifier: AssertionVerifier = ({ assertion, challenge, device, app }) => {
  if (app.ios === undefined)
    return { ok: false, code: 'evidence_type_not_supported', message: 'no iOS identity' };
  const bytes = decodeBase64Strict(assertion);
  if (bytes === undefined)
    return { ok: false, code: 'evidence_base64_invalid', message: 'assertion is not canonical base64' };
  const result = verifyAppleAssertion(
    { assertion: bytes, clientDataHash: sha256(challenge) },
    { publicKeyJwk: device.publicKeyJwk, counter: device.counter },
    { appIds: app.ios.appIds },
  );
  return result.ok
    ? { ok: true, counter: result.counter }
    : { ok: false, code: result.code, message: result.message };
};
