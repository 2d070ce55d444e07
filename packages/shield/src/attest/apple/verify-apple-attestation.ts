import { createHash, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import { decodeBase64Strict } from '../../encoding.js';
import type { VerificationResult } from '../contract.js';
import { appleFailure } from './apple-failure-codes.js';
import { createStepRecorder } from './create-step-recorder.js';
import { decodeAppleAttestation } from './decode-apple-attestation.js';
import { decodeAuthenticatorData } from './decode-authenticator-data.js';
import { readAppleNonce } from './read-apple-nonce.js';
import { type AppleTrustAnchors, verifyAppleCertificateChain } from './verify-apple-certificate-chain.js';
import { verifyCertificateValidity } from './verify-certificate-validity.js';

/** App Attest environments, as the aaguid names them. */
export type AppleEnvironment = 'development' | 'production';

/** What the app sent (protocol §2.1) plus the clientDataHash the server computed. */
export interface AppleAttestationInput {
  /** The key identifier exactly as `DCAppAttestService.generateKey` returned it (padded standard base64). */
  keyId: string;
  /** The CBOR attestation object from `attestKey`. */
  attestation: Uint8Array;
  /**
   * The clientDataHash passed to `attestKey`, computed by the server, never taken from the
   * client. The shield passes SHA-256 of the challenge; Apple's API takes any bytes, so any
   * length is verified as given.
   */
  clientDataHash: Uint8Array;
}

/** The app's App Attest policy. */
export interface AppleAttestationPolicy {
  /** Accepted App IDs, `TEAMID.bundle.id`; at least one. */
  appIds: readonly string[];
  /** Accepted environments; at least one. Production shields normally allow only `production`. */
  environments: readonly AppleEnvironment[];
}

/** Step names of `verifyAppleAttestation`, in order. */
export const APPLE_ATTESTATION_STEPS = [
  'decode',
  'format',
  'authenticator_data',
  'certificate_chain',
  'certificate_validity',
  'nonce',
  'key_id',
  'app_id',
  'counter',
  'environment',
  'credential_id',
  'credential_public_key',
] as const;

/** Real attestations are about 5 KiB (two certificates and a receipt). */
export const MAX_APPLE_ATTESTATION_BYTES = 64 * 1024;

const AAGUID_DEVELOPMENT = Buffer.from('appattestdevelop', 'ascii');
const AAGUID_PRODUCTION = Buffer.concat([Buffer.from('appattest', 'ascii'), Buffer.alloc(7)]);

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

function checkArguments(input: AppleAttestationInput, policy: AppleAttestationPolicy, at: Date): void {
  if (!(input.clientDataHash instanceof Uint8Array)) {
    throw new TypeError('clientDataHash must be a Uint8Array');
  }
  if (!(input.attestation instanceof Uint8Array)) throw new TypeError('attestation must be a Uint8Array');
  if (policy.appIds.length === 0 || policy.appIds.some((id) => typeof id !== 'string' || !id.includes('.'))) {
    throw new TypeError('policy.appIds must list at least one App ID (TEAMID.bundle.id)');
  }
  if (
    policy.environments.length === 0 ||
    policy.environments.some((e) => e !== 'development' && e !== 'production')
  ) {
    throw new TypeError('policy.environments must list development and/or production');
  }
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('at must be a valid Date');
}

/** x ‖ y of a P-256 public key as a JWK, or undefined for any other key. */
function p256Jwk(key: KeyObject): { jwk: JsonWebKeyLike; x: Buffer; y: Buffer } | undefined {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    return undefined;
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return undefined;
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  if (x.byteLength !== 32 || y.byteLength !== 32) return undefined;
  return { jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, x, y };
}

/** COSE_Key labels (RFC 9052 §7, RFC 9053 §7.1.1). */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_EC2_CRV = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

/**
 * Verifies an App Attest attestation exactly as Apple's "Validating apps that connect to your
 * server" prescribes (steps quoted beside the code), plus structural checks. Pure: no I/O, no
 * clock (`at` is the verification time used for every certificate), trust anchors passed in.
 * Throws a TypeError only for caller mistakes (policy, time, clientDataHash); every problem with
 * the evidence is a failure result with a stable `apple_*` sub-code.
 *
 * @example
 * ```ts
 * const result = verifyAppleAttestation(
 *   { keyId, attestation, clientDataHash: sha256(challenge) },
 *   { appIds: ['ABCDE12345.com.example.shop'], environments: ['production'] },
 *   { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] },
 *   new Date(clock.now()),
 * );
 * if (result.ok) register(result.evidence.keyId, result.evidence.publicKeyJwk, result.evidence.receipt);
 * ```
 */
export function verifyAppleAttestation(
  input: AppleAttestationInput,
  policy: AppleAttestationPolicy,
  anchors: AppleTrustAnchors,
  at: Date,
): VerificationResult {
  checkArguments(input, policy, at);
  const steps = createStepRecorder(APPLE_ATTESTATION_STEPS);

  // Decode the CBOR attestation object {fmt, attStmt: {x5c, receipt}, authData}.
  if (input.attestation.byteLength > MAX_APPLE_ATTESTATION_BYTES) {
    return steps.fail('decode', appleFailure('apple_attestation_too_large', 'attestation exceeds 64 KiB'));
  }
  const decoded = decodeAppleAttestation(input.attestation);
  if (!decoded.ok) return steps.fail('decode', appleFailure(decoded.code, decoded.message));
  const { fmt, x5c, receipt, authData } = decoded.value;
  if (receipt === undefined || receipt.byteLength === 0) {
    return steps.fail('decode', appleFailure('apple_receipt_missing', 'attStmt.receipt is missing or empty'));
  }
  steps.pass('decode');

  if (fmt !== 'apple-appattest') {
    return steps.fail('format', appleFailure('apple_format_unsupported', 'fmt is not apple-appattest'));
  }
  steps.pass('format');

  const auth = decodeAuthenticatorData(authData, 'attestation');
  const credential = auth?.attestedCredential;
  if (auth === undefined || credential === undefined) {
    return steps.fail(
      'authenticator_data',
      appleFailure(
        'apple_auth_data_malformed',
        'authData is truncated, malformed or has no attested credential',
      ),
    );
  }
  steps.pass('authenticator_data');

  // Step 1: "Verify that the x5c array contains the intermediate and leaf certificates for App
  // Attest, starting from the credential certificate in the first data buffer in the array
  // (credcert). Verify the validity of the certificates using Apple's App Attest root certificate."
  const chain = verifyAppleCertificateChain(x5c, anchors);
  if (!chain.ok) {
    return steps.fail('certificate_chain', appleFailure(chain.code, chain.message, chain.compared));
  }
  steps.pass('certificate_chain');
  const validity = verifyCertificateValidity(
    [
      { certificate: chain.leaf, name: 'credential' },
      { certificate: chain.intermediate, name: 'intermediate' },
      { certificate: chain.anchor, name: 'root' },
    ],
    at,
  );
  if (!validity.ok) {
    return steps.fail(
      'certificate_validity',
      appleFailure(validity.code, validity.message, validity.compared),
    );
  }
  steps.pass('certificate_validity');

  // Steps 2-3: "Create clientDataHash as the SHA256 hash of the one-time challenge ... and append
  // that hash to the end of the authenticator data. Generate a new SHA256 hash of the composite
  // item to create nonce."
  const nonce = sha256(authData, input.clientDataHash);
  // Step 4: "Obtain the value of the credCert extension with OID 1.2.840.113635.100.8.2 ...
  // Decode the sequence and extract the single octet string that it contains. Verify that the
  // string equals nonce."
  const certified = readAppleNonce(chain.leaf.asn);
  if (!certified.ok) return steps.fail('nonce', appleFailure(certified.code, certified.message));
  if (!sameBytes(certified.nonce, nonce)) {
    return steps.fail(
      'nonce',
      appleFailure('apple_nonce_mismatch', 'the certified nonce is not SHA-256(authData ‖ clientDataHash)', {
        certified: Buffer.from(certified.nonce).toString('base64'),
        computed: nonce.toString('base64'),
        clientDataHashBytes: input.clientDataHash.byteLength,
      }),
    );
  }
  steps.pass('nonce');

  // Step 5: "Create the SHA256 hash of the public key in credCert, and verify that it matches the
  // key identifier from your app." (The key as an uncompressed X9.62 point, 0x04 ‖ x ‖ y.)
  const key = p256Jwk(chain.leaf.x509.publicKey);
  if (key === undefined) {
    return steps.fail(
      'key_id',
      appleFailure('apple_public_key_unsupported', 'the credential key is not EC P-256'),
    );
  }
  const keyIdBytes = decodeBase64Strict(input.keyId);
  if (keyIdBytes === undefined || keyIdBytes.byteLength !== 32) {
    return steps.fail('key_id', appleFailure('apple_key_id_malformed', 'keyId is not base64 of 32 bytes'));
  }
  const publicKeyHash = sha256(Buffer.from([0x04]), key.x, key.y);
  if (!sameBytes(publicKeyHash, keyIdBytes)) {
    return steps.fail(
      'key_id',
      appleFailure('apple_key_id_mismatch', 'keyId is not SHA-256 of the certified key', {
        keyId: input.keyId,
        certifiedKeyId: publicKeyHash.toString('base64'),
      }),
    );
  }
  steps.pass('key_id');

  // Step 6: "Compute the SHA256 hash of your app's App ID, and verify that it's the same as the
  // authenticator data's RP ID hash." Every configured App ID is compared; the first match is kept.
  let appId: string | undefined;
  for (const candidate of policy.appIds) {
    if (sameBytes(sha256(Buffer.from(candidate, 'utf8')), auth.rpIdHash) && appId === undefined)
      appId = candidate;
  }
  if (appId === undefined) {
    return steps.fail(
      'app_id',
      appleFailure('apple_rp_id_mismatch', 'rpIdHash matches none of the configured App IDs'),
    );
  }
  steps.pass('app_id');

  // Step 7: "Verify that the authenticator data's counter field equals 0."
  if (auth.counter !== 0) {
    return steps.fail(
      'counter',
      appleFailure('apple_counter_not_zero', 'the attestation counter is not 0', {
        counter: auth.counter,
        expected: 0,
      }),
    );
  }
  steps.pass('counter');

  // Step 8: "Verify that the authenticator data's aaguid field is either appattestdevelop if
  // operating in the development environment, or appattest followed by seven 0x00 bytes if
  // operating in the production environment."
  const environment: AppleEnvironment | undefined = sameBytes(credential.aaguid, AAGUID_PRODUCTION)
    ? 'production'
    : sameBytes(credential.aaguid, AAGUID_DEVELOPMENT)
      ? 'development'
      : undefined;
  if (environment === undefined) {
    return steps.fail(
      'environment',
      appleFailure('apple_aaguid_unknown', 'the aaguid is not an App Attest aaguid'),
    );
  }
  if (!policy.environments.includes(environment)) {
    return steps.fail(
      'environment',
      appleFailure(
        'apple_environment_not_allowed',
        `the ${environment} environment is not allowed for this app`,
        { environment, allowed: policy.environments.join(', ') },
      ),
    );
  }
  steps.pass('environment');

  // Step 9: "Verify that the authenticator data's credentialId field is the same as the key identifier."
  if (!sameBytes(credential.credentialId, keyIdBytes)) {
    return steps.fail(
      'credential_id',
      appleFailure('apple_credential_id_mismatch', 'the credential id is not the key id'),
    );
  }
  steps.pass('credential_id');

  // Beyond Apple's list: the COSE credential key must be the certified key, so no consumer of
  // authData can ever read a different key than the one the chain vouches for.
  const cose = credential.credentialPublicKey;
  const coseX = cose.get(COSE_EC2_X);
  const coseY = cose.get(COSE_EC2_Y);
  const alg = cose.get(COSE_ALG);
  if (
    cose.get(COSE_KTY) !== COSE_KTY_EC2 ||
    cose.get(COSE_EC2_CRV) !== COSE_CRV_P256 ||
    (alg !== undefined && alg !== COSE_ALG_ES256) ||
    !(coseX instanceof Uint8Array) ||
    !(coseY instanceof Uint8Array) ||
    !sameBytes(coseX, key.x) ||
    !sameBytes(coseY, key.y)
  ) {
    return steps.fail(
      'credential_public_key',
      appleFailure(
        'apple_credential_key_mismatch',
        'the COSE credential key is not the certified EC P-256 key',
      ),
    );
  }
  steps.pass('credential_public_key');

  return {
    ok: true,
    evidence: {
      type: 'apple-app-attest',
      platform: 'ios',
      level: 'hardware',
      keyId: input.keyId,
      publicKeyJwk: key.jwk,
      counter: 0,
      receipt,
      testRoot: chain.testRoot,
      facts: { environment, appId },
    },
    steps: steps.done(),
  };
}
