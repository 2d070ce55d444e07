import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { type CBORType, decodeCBOR } from '@levischuck/tiny-cbor';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
// The shield package has no root index yet; the verifiers are imported from their folder.
import {
  APPLE_APP_ATTESTATION_ROOT_CA_PEM,
  type AppleTrustAnchors,
  loadAppleRoots,
  verifyAppleAssertion,
  verifyAppleAttestation,
} from '../../shield/src/attest/apple/index.js';
import { createSoftwareAppAttestDevice } from './apple-app-attest-device.js';
import {
  APP_ATTEST_NONCE_OID,
  createAppAttestTestAuthority,
  encodeAppAttestNonceExtension,
} from './apple-app-attest-test-authority.js';

const APP_ID = 'ABCDE12345.com.example.shop';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const AT = new Date(NOW);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const authority = createAppAttestTestAuthority();
const apple = loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]);
const DEVELOPMENT: AppleTrustAnchors = { roots: apple, testRoots: [authority.root] };
const PRODUCTION: AppleTrustAnchors = { roots: apple, testRoots: [] };
const policy = { appIds: [APP_ID], environments: ['development', 'production'] as const };

function device(environment: 'development' | 'production' = 'development', extra = {}) {
  return createSoftwareAppAttestDevice({ authority, appId: APP_ID, environment, now: () => NOW, ...extra });
}

describe('software App Attest device', () => {
  test('the test authority says TEST and not Apple, and is a P-384 CA pair like Apple’s', () => {
    assert.match(authority.root.subject, /CN=Portcullis TEST App Attestation Root - not Apple/);
    assert.match(authority.intermediate.subject, /TEST .* - not Apple/);
    assert.equal(authority.root.ca, true);
    assert.equal(authority.intermediate.ca, true);
    assert.ok(authority.intermediate.checkIssued(authority.root));
    assert.equal(authority.root.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    assert.equal(new X509Certificate(authority.rootPem).fingerprint256, authority.root.fingerprint256);
  });

  test("attestations are in Apple's CBOR layout", () => {
    const d = device('production');
    const object = decodeCBOR(d.attest(sha256('challenge'))) as Map<string, CBORType>;
    assert.deepEqual([...object.keys()], ['fmt', 'attStmt', 'authData']);
    assert.equal(object.get('fmt'), 'apple-appattest');
    const attStmt = object.get('attStmt') as Map<string, CBORType>;
    assert.deepEqual([...attStmt.keys()], ['x5c', 'receipt']);
    const [leaf, intermediate] = attStmt.get('x5c') as Uint8Array[];
    const credential = new X509Certificate(leaf!);
    assert.deepEqual(new X509Certificate(intermediate!).raw, authority.intermediate.raw);
    assert.ok(credential.checkIssued(authority.intermediate));
    // Validity like Apple's: one day before to two days after the attestation.
    assert.equal(new Date(credential.validFrom).getTime(), NOW - 86_400_000);
    assert.equal(new Date(credential.validTo).getTime(), NOW + 2 * 86_400_000);
    const authData = object.get('authData') as Uint8Array;
    assert.equal(authData.byteLength, 32 + 1 + 4 + 16 + 2 + 32 + 77);
    assert.deepEqual(Buffer.from(authData.subarray(0, 32)), sha256(APP_ID));
    assert.equal(authData[32], 0x40);
    assert.equal(Buffer.from(authData.subarray(37, 53)).toString('latin1'), 'appattest\0\0\0\0\0\0\0');
    assert.equal(Buffer.from(authData.subarray(55, 87)).toString('base64'), d.keyId);
    // The nonce extension certifies SHA-256(authData ‖ clientDataHash).
    const nonce = createHash('sha256').update(authData).update(sha256('challenge')).digest();
    const extensions = AsnConvert.parse(leaf!, Certificate).tbsCertificate.extensions ?? [];
    const extension = extensions.find((e) => e.extnID === APP_ATTEST_NONCE_OID);
    assert.deepEqual(
      Buffer.from(extension!.extnValue.buffer),
      Buffer.from(encodeAppAttestNonceExtension(nonce)),
    );
  });

  for (const environment of ['development', 'production'] as const) {
    test(`a ${environment} device is accepted when the test root is passed as a test root`, () => {
      const d = device(environment);
      const clientDataHash = sha256('challenge-1');
      const result = verifyAppleAttestation(
        { keyId: d.keyId, attestation: d.attest(clientDataHash), clientDataHash },
        policy,
        DEVELOPMENT,
        AT,
      );
      assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
      assert.equal(result.evidence.testRoot, true);
      assert.equal(result.evidence.keyId, d.keyId);
      assert.deepEqual(result.evidence.publicKeyJwk, d.publicKeyJwk);
      assert.deepEqual(result.evidence.facts, { environment, appId: APP_ID });
      assert.ok(result.steps.every((s) => s.verdict === 'pass'));
    });
  }

  test('is refused with apple_chain_untrusted when its root is not a test root (production mode)', () => {
    const d = device('production');
    const clientDataHash = sha256('challenge-2');
    const result = verifyAppleAttestation(
      { keyId: d.keyId, attestation: d.attest(clientDataHash), clientDataHash },
      policy,
      PRODUCTION,
      AT,
    );
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.code, 'apple_chain_untrusted');
  });

  test("is refused under another authority's test root", () => {
    const d = device();
    const clientDataHash = sha256('challenge-3');
    const result = verifyAppleAttestation(
      { keyId: d.keyId, attestation: d.attest(clientDataHash), clientDataHash },
      policy,
      { roots: [], testRoots: [createAppAttestTestAuthority().root] },
      AT,
    );
    assert.equal(result.ok ? '' : result.code, 'apple_chain_untrusted');
  });

  test('assertions verify with the attested key, counters increase, and a replay is refused', () => {
    const d = device();
    const attestationHash = sha256('challenge-4');
    const attested = verifyAppleAttestation(
      { keyId: d.keyId, attestation: d.attest(attestationHash), clientDataHash: attestationHash },
      policy,
      DEVELOPMENT,
      AT,
    );
    assert.ok(attested.ok);
    let stored = attested.evidence.counter!;
    const jwk = attested.evidence.publicKeyJwk!;
    const assertions: { assertion: Uint8Array; clientDataHash: Buffer }[] = [];
    for (let i = 1; i <= 3; i++) {
      const clientDataHash = sha256(`request-${i}`);
      const assertion = d.assert(clientDataHash);
      assertions.push({ assertion, clientDataHash });
      const result = verifyAppleAssertion(
        { assertion, clientDataHash },
        { publicKeyJwk: jwk, counter: stored },
        { appIds: [APP_ID] },
      );
      assert.ok(result.ok, result.ok ? '' : result.code);
      assert.equal(result.counter, i);
      stored = result.counter;
    }
    assert.equal(d.counter, 3);
    const replay = verifyAppleAssertion(
      assertions[0]!,
      { publicKeyJwk: jwk, counter: stored },
      { appIds: [APP_ID] },
    );
    assert.equal(replay.ok ? '' : replay.code, 'apple_counter_not_increasing');
    const wrongRequest = verifyAppleAssertion(
      { assertion: assertions[2]!.assertion, clientDataHash: sha256('request-other') },
      { publicKeyJwk: jwk, counter: 2 },
      { appIds: [APP_ID] },
    );
    assert.equal(wrongRequest.ok ? '' : wrongRequest.code, 'apple_signature_invalid');
  });

  test('format evolution: authData extensions (ED flag) and extra certificate extensions still verify', () => {
    const d = device('development', {
      authDataExtensions: new Map<string, CBORType>([['bundleVersion', '27.0']]),
      certificateExtensions: [{ oid: '1.2.840.113635.100.8.9', value: Uint8Array.from([0x05, 0x00]) }],
    });
    const clientDataHash = sha256('challenge-5');
    const attestation = d.attest(clientDataHash);
    const authData = (decodeCBOR(attestation) as Map<string, CBORType>).get('authData') as Uint8Array;
    assert.equal(authData[32], 0xc0);
    const result = verifyAppleAttestation(
      { keyId: d.keyId, attestation, clientDataHash },
      policy,
      DEVELOPMENT,
      AT,
    );
    assert.ok(result.ok, result.ok ? '' : result.code);
  });

  test('an attestation for another app id is refused with apple_rp_id_mismatch', () => {
    const d = createSoftwareAppAttestDevice({
      authority,
      appId: 'ABCDE12345.com.example.other',
      environment: 'development',
      now: () => NOW,
    });
    const clientDataHash = sha256('challenge-6');
    const result = verifyAppleAttestation(
      { keyId: d.keyId, attestation: d.attest(clientDataHash), clientDataHash },
      policy,
      DEVELOPMENT,
      AT,
    );
    assert.equal(result.ok ? '' : result.code, 'apple_rp_id_mismatch');
  });

  test("takes a clientDataHash of any length, as Apple's API does, and the verifiers accept it", () => {
    const d = device();
    for (const clientDataHash of [new Uint8Array(16).fill(7), new Uint8Array(100).fill(9)]) {
      if (d.counter === 0) {
        const attested = verifyAppleAttestation(
          { keyId: d.keyId, attestation: d.attest(clientDataHash), clientDataHash },
          policy,
          DEVELOPMENT,
          AT,
        );
        assert.ok(attested.ok, attested.ok ? '' : attested.code);
      }
      const asserted = verifyAppleAssertion(
        { assertion: d.assert(clientDataHash), clientDataHash },
        { publicKeyJwk: d.publicKeyJwk, counter: d.counter - 1 },
        { appIds: [APP_ID] },
      );
      assert.ok(asserted.ok, asserted.ok ? '' : asserted.code);
    }
    assert.throws(() => d.attest('hash' as unknown as Uint8Array), TypeError);
  });
});
