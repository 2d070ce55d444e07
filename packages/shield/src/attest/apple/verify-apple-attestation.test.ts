import assert from 'node:assert/strict';
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { CBORTag, type CBORType, decodeCBOR, encodeCBOR } from '@levischuck/tiny-cbor';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import {
  APP_ATTEST_NONCE_OID,
  createTestCertificate,
  createTestKeyPair,
  encodeAppAttestNonceExtension,
  type TestCertificate,
  type TestCertificateExtension,
  type TestName,
} from '@portcullis/testkit';
import {
  type AppleAttestationVector,
  loadAppleAttestationVectors,
  loadUebelackFakeCertificates,
  statedClientDataHashes,
} from '../../../test/fixtures/apple/load-apple-vectors.js';
import type { VerificationResult } from '../contract.js';
import {
  APPLE_APP_ATTESTATION_ROOT_CA_PEM,
  APPLE_ATTESTATION_STEPS,
  type AppleAttestationPolicy,
  type AppleTrustAnchors,
  loadAppleRoots,
  verifyAppleAttestation,
} from './index.js';

const APPLE: AppleTrustAnchors = {
  roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]),
  testRoots: [],
};
const VECTORS = loadAppleAttestationVectors();
const FAKES = loadUebelackFakeCertificates();

type AttestationMap = Map<string | number, CBORType>;

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const policyOf = (v: AppleAttestationVector): AppleAttestationPolicy => ({
  appIds: [v.appId],
  environments: [v.environment],
});
const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
};
const decodeMap = (bytes: Uint8Array): AttestationMap => decodeCBOR(Uint8Array.from(bytes)) as AttestationMap;
const attStmtOf = (map: AttestationMap) => map.get('attStmt') as AttestationMap;
const x5cOf = (map: AttestationMap) => attStmtOf(map).get('x5c') as Uint8Array[];
/** Re-encodes the attestation after `change` edits its decoded map. */
const edit = (v: AppleAttestationVector, change: (map: AttestationMap) => void): Uint8Array => {
  const map = decodeMap(v.attestation);
  change(map);
  return encodeCBOR(map);
};

function verify(
  v: AppleAttestationVector,
  overrides: {
    keyId?: string;
    attestation?: Uint8Array;
    clientDataHash?: Uint8Array;
    policy?: AppleAttestationPolicy;
    anchors?: AppleTrustAnchors;
    at?: Date;
  } = {},
): VerificationResult {
  return verifyAppleAttestation(
    {
      keyId: overrides.keyId ?? v.keyId,
      attestation: overrides.attestation ?? v.attestation,
      clientDataHash: overrides.clientDataHash ?? v.clientDataHash,
    },
    overrides.policy ?? policyOf(v),
    overrides.anchors ?? APPLE,
    overrides.at ?? v.at,
  );
}

function expectFailure(
  result: VerificationResult,
  code: string,
  kind: 'invalid' | 'policy' = 'invalid',
): void {
  assert.equal(result.ok, false, `expected ${code}, got success`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.kind, kind);
  // Every step is listed: passes, then exactly one failure, then skipped steps.
  assert.deepEqual(
    result.steps.map((s) => s.step),
    [...APPLE_ATTESTATION_STEPS],
  );
  const verdicts = result.steps.map((s) => s.verdict).join(',');
  assert.match(verdicts, /^(pass,)*fail(,skipped)*$/);
}

function leafValidity(v: AppleAttestationVector): { notBefore: Date; notAfter: Date } {
  const leaf = AsnConvert.parse(x5cOf(decodeMap(v.attestation))[0]!, Certificate);
  return {
    notBefore: leaf.tbsCertificate.validity.notBefore.getTime(),
    notAfter: leaf.tbsCertificate.validity.notAfter.getTime(),
  };
}

/** A certificate's subject as a TestName, to copy Apple's names into self-made certificates. */
function nameOf(certificate: X509Certificate): TestName {
  return certificate.subject.split('\n').map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)] as const;
  });
}

/** A self-made root and intermediate copying Apple's names and validity (not Apple's keys). */
function createLookalikeChain(options: { intermediateCa?: boolean; intermediateNotAfter?: Date } = {}) {
  const realIntermediate = new X509Certificate(x5cOf(decodeMap(VECTORS[0]!.attestation))[1]!);
  const realRoot = APPLE.roots[0]!;
  const root = createTestCertificate({
    subject: nameOf(realRoot),
    keys: createTestKeyPair('ec-p384'),
    ca: true,
    notBefore: new Date('2020-03-18T18:32:53Z'),
    notAfter: new Date('2045-03-15T00:00:00Z'),
  });
  const intermediate = createTestCertificate({
    subject: nameOf(realIntermediate),
    keys: createTestKeyPair('ec-p384'),
    issuer: root,
    ca: options.intermediateCa ?? true,
    pathLength: 0,
    ...(options.intermediateCa === false ? { keyUsage: ['digitalSignature'] as const } : {}),
    notBefore: new Date('2020-03-18T18:39:55Z'),
    notAfter: options.intermediateNotAfter ?? new Date('2030-03-13T00:00:00Z'),
  });
  return { root, intermediate };
}

const LOOKALIKE = createLookalikeChain();

interface Reissue {
  /** Rewrites authData before the nonce is computed over it. */
  authData?: (authData: Uint8Array) => Uint8Array;
  /** Nonce extension: omitted, duplicated, or a raw extension value. */
  nonce?: 'omit' | 'duplicate' | Uint8Array;
  /** Another key in the credential certificate. */
  leafKey?: KeyObject;
  leafExtensions?: readonly TestCertificateExtension[];
  chain?: { root: TestCertificate; intermediate: TestCertificate };
}

/**
 * Re-issues a real attestation under a self-made chain (Apple's names, our keys): the device's
 * real public key, a correct nonce over the (possibly rewritten) authData. Verifying it with the
 * self-made root as a test root isolates each later check on real-device data.
 */
function reissue(
  v: AppleAttestationVector,
  r: Reissue = {},
): { attestation: Uint8Array; anchors: AppleTrustAnchors } {
  const chain = r.chain ?? LOOKALIKE;
  const map = decodeMap(v.attestation);
  const original = map.get('authData') as Uint8Array;
  const authData = r.authData ? r.authData(original) : original;
  const realLeaf = new X509Certificate(x5cOf(map)[0]!);
  const { notBefore, notAfter } = leafValidity(v);
  const nonceValue =
    r.nonce instanceof Uint8Array
      ? r.nonce
      : encodeAppAttestNonceExtension(sha256(authData, v.clientDataHash));
  const nonceExtensions =
    r.nonce === 'omit'
      ? []
      : r.nonce === 'duplicate'
        ? [
            { oid: APP_ATTEST_NONCE_OID, value: nonceValue },
            { oid: APP_ATTEST_NONCE_OID, value: nonceValue },
          ]
        : [{ oid: APP_ATTEST_NONCE_OID, value: nonceValue }];
  const leaf = createTestCertificate({
    subject: nameOf(realLeaf),
    keys: { publicKey: r.leafKey ?? realLeaf.publicKey },
    issuer: chain.intermediate,
    notBefore,
    notAfter,
    hash: 'sha256',
    keyUsage: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment'],
    keyIdentifiers: false,
    extensions: [...nonceExtensions, ...(r.leafExtensions ?? [])],
  });
  attStmtOf(map).set('x5c', [leaf.der, chain.intermediate.der]);
  map.set('authData', Uint8Array.from(authData));
  return {
    attestation: encodeCBOR(map),
    anchors: { roots: APPLE.roots, testRoots: [chain.root.certificate] },
  };
}

/** Offsets in App Attest attestation authData. */
const COUNTER_AT = 33;
const AAGUID_AT = 37;
const CREDENTIAL_ID_AT = 55;
const COSE_KEY_AT = 87;

describe('verifyAppleAttestation: real devices', () => {
  test('the fixture loader hashes client data as the fixtures state', () => {
    const byName = new Map(VECTORS.map((v) => [v.name, Buffer.from(v.clientDataHash).toString('hex')]));
    for (const stated of statedClientDataHashes().filter((s) => byName.has(s.name))) {
      assert.equal(byName.get(stated.name), stated.hex, stated.name);
    }
  });

  for (const v of VECTORS) {
    describe(v.name, () => {
      test('verifies at its own time with every step passing', () => {
        const result = verify(v);
        assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
        assert.deepEqual(
          result.steps,
          APPLE_ATTESTATION_STEPS.map((step) => ({ step, verdict: 'pass' })),
        );
        const { evidence } = result;
        assert.equal(evidence.type, 'apple-app-attest');
        assert.equal(evidence.platform, 'ios');
        assert.equal(evidence.level, 'hardware');
        assert.equal(evidence.keyId, v.keyId);
        assert.equal(evidence.counter, 0);
        assert.equal(evidence.testRoot, false);
        assert.deepEqual(evidence.facts, { environment: v.environment, appId: v.appId });
        assert.ok(evidence.receipt !== undefined && evidence.receipt.byteLength > 1000);
        // The returned key hashes to the key id (protocol §1).
        const jwk = evidence.publicKeyJwk!;
        const point = Buffer.concat([
          Buffer.from([4]),
          Buffer.from(String(jwk.x), 'base64url'),
          Buffer.from(String(jwk.y), 'base64url'),
        ]);
        assert.equal(sha256(point).toString('base64'), v.keyId);
      });

      test('reports which of several configured App IDs matched', () => {
        const result = verify(v, {
          policy: {
            appIds: ['AAAAAAAAAA.com.example.other', v.appId],
            environments: ['development', 'production'],
          },
        });
        assert.ok(result.ok);
        assert.equal(result.evidence.facts['appId'], v.appId);
      });

      const other = VECTORS.find((w) => w.keyId !== v.keyId)!;
      const otherEnvironment = v.environment === 'development' ? 'production' : 'development';
      const { notBefore, notAfter } = leafValidity(v);
      const map = decodeMap(v.attestation);
      const [leafDer, intermediateDer] = x5cOf(map) as [Uint8Array, Uint8Array];
      const authDataLength = (map.get('authData') as Uint8Array).byteLength;
      const cases: { name: string; code: string; kind?: 'policy'; run: () => VerificationResult }[] = [
        // Nonce binding (Apple steps 2-4).
        {
          name: 'clientDataHash with one bit flipped',
          code: 'apple_nonce_mismatch',
          run: () => verify(v, { clientDataHash: flip(v.clientDataHash, 0) }),
        },
        {
          name: 'D-01: clientDataHash of another challenge',
          code: 'apple_nonce_mismatch',
          run: () => verify(v, { clientDataHash: sha256(Buffer.from('another challenge')) }),
        },
        {
          name: 'authData rpIdHash byte flipped (nonce no longer matches)',
          code: 'apple_nonce_mismatch',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => m.set('authData', flip(m.get('authData') as Uint8Array, 5))),
            }),
        },
        // App identity and environment (policy).
        {
          name: 'D-07, B-06: wrong team id',
          code: 'apple_rp_id_mismatch',
          kind: 'policy',
          run: () =>
            verify(v, { policy: { appIds: [`ZZZZZZZZZZ.${v.bundleId}`], environments: [v.environment] } }),
        },
        {
          name: 'wrong bundle id',
          code: 'apple_rp_id_mismatch',
          kind: 'policy',
          run: () =>
            verify(v, {
              policy: { appIds: [`${v.teamId}.${v.bundleId}.other`], environments: [v.environment] },
            }),
        },
        {
          name: 'App ID in another letter case',
          code: 'apple_rp_id_mismatch',
          kind: 'policy',
          run: () =>
            verify(v, { policy: { appIds: [v.appId.toLowerCase()], environments: [v.environment] } }),
        },
        {
          name: `only ${otherEnvironment} allowed`,
          code: 'apple_environment_not_allowed',
          kind: 'policy',
          run: () => verify(v, { policy: { appIds: [v.appId], environments: [otherEnvironment] } }),
        },
        // Validity at the verification time.
        {
          name: 'one second after the leaf notAfter',
          code: 'apple_certificate_expired',
          run: () => verify(v, { at: new Date(notAfter.getTime() + 1000) }),
        },
        {
          name: 'one second before the leaf notBefore',
          code: 'apple_certificate_not_yet_valid',
          run: () => verify(v, { at: new Date(notBefore.getTime() - 1000) }),
        },
        {
          name: 'after the intermediate expired (2030-03-13)',
          code: 'apple_certificate_expired',
          run: () => verify(v, { at: new Date('2031-01-01T00:00:00Z') }),
        },
        // Chain to Apple's root (Apple step 1).
        {
          name: 'D-08: x5c swapped',
          code: 'apple_chain_untrusted',
          run: () =>
            verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', [intermediateDer, leafDer])) }),
        },
        {
          name: 'x5c with the leaf twice',
          code: 'apple_chain_untrusted',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', [leafDer, leafDer])) }),
        },
        {
          name: "x5c with Apple's root appended",
          code: 'apple_x5c_invalid',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) =>
                attStmtOf(m).set('x5c', [leafDer, intermediateDer, Uint8Array.from(APPLE.roots[0]!.raw)]),
              ),
            }),
        },
        {
          name: 'x5c with the leaf only',
          code: 'apple_x5c_invalid',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', [leafDer])) }),
        },
        {
          name: 'x5c empty',
          code: 'apple_x5c_invalid',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', [])) }),
        },
        {
          name: "uebelack's fake credential certificate",
          code: 'apple_chain_untrusted',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => attStmtOf(m).set('x5c', [FAKES.credential, intermediateDer])),
            }),
        },
        {
          name: "uebelack's fake intermediate copying Apple's CN",
          code: 'apple_chain_untrusted',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => attStmtOf(m).set('x5c', [leafDer, FAKES.intermediate])),
            }),
        },
        {
          name: "uebelack's two fake certificates",
          code: 'apple_chain_untrusted',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => attStmtOf(m).set('x5c', [FAKES.credential, FAKES.intermediate])),
            }),
        },
        {
          name: "self-made chain copying Apple's names",
          code: 'apple_chain_untrusted',
          run: () => verify(v, { attestation: reissue(v).attestation }),
        },
        {
          name: 'no trust anchor configured',
          code: 'apple_chain_untrusted',
          run: () => verify(v, { anchors: { roots: [], testRoots: [] } }),
        },
        {
          name: 'credential certificate with a trailing byte',
          code: 'apple_certificate_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) =>
                attStmtOf(m).set('x5c', [Uint8Array.from([...leafDer, 0]), intermediateDer]),
              ),
            }),
        },
        {
          name: 'credential certificate truncated',
          code: 'apple_certificate_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => attStmtOf(m).set('x5c', [leafDer.slice(0, 100), intermediateDer])),
            }),
        },
        // Key id (Apple step 5).
        {
          name: 'D-05: key id of another device',
          code: 'apple_key_id_mismatch',
          run: () => verify(v, { keyId: other.keyId }),
        },
        {
          name: 'key id in base64url',
          code: 'apple_key_id_malformed',
          run: () => verify(v, { keyId: Buffer.from(v.keyId, 'base64').toString('base64url') }),
        },
        {
          name: 'key id of 31 bytes',
          code: 'apple_key_id_malformed',
          run: () => verify(v, { keyId: Buffer.from(v.keyId, 'base64').subarray(1).toString('base64') }),
        },
        // Structure and CBOR.
        {
          name: 'D-09: fmt packed',
          code: 'apple_format_unsupported',
          run: () => verify(v, { attestation: edit(v, (m) => m.set('fmt', 'packed')) }),
        },
        {
          name: 'receipt removed',
          code: 'apple_receipt_missing',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).delete('receipt')) }),
        },
        {
          name: 'receipt empty',
          code: 'apple_receipt_missing',
          run: () =>
            verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('receipt', new Uint8Array(0))) }),
        },
        {
          name: 'authData truncated to 36 bytes',
          code: 'apple_auth_data_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => m.set('authData', (m.get('authData') as Uint8Array).slice(0, 36))),
            }),
        },
        {
          name: 'authData cut inside the credential key',
          code: 'apple_auth_data_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) =>
                m.set('authData', (m.get('authData') as Uint8Array).slice(0, authDataLength - 10)),
              ),
            }),
        },
        {
          name: 'truncated CBOR (last byte)',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { attestation: v.attestation.slice(0, -1) }),
        },
        {
          name: 'D-11: truncated CBOR (half)',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { attestation: v.attestation.slice(0, v.attestation.byteLength >> 1) }),
        },
        {
          name: 'trailing byte after the CBOR item',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { attestation: Uint8Array.from([...v.attestation, 0]) }),
        },
        {
          name: 'empty attestation',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { attestation: new Uint8Array(0) }),
        },
        {
          name: 'fmt as a byte string',
          code: 'apple_attestation_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => m.set('fmt', new TextEncoder().encode('apple-appattest'))),
            }),
        },
        {
          name: 'authData as a text string',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: edit(v, (m) => m.set('authData', 'authData')) }),
        },
        {
          name: 'authData missing',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: edit(v, (m) => m.delete('authData')) }),
        },
        {
          name: 'attStmt as an array',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: edit(v, (m) => m.set('attStmt', [x5cOf(m)])) }),
        },
        {
          name: 'x5c as a byte string',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', leafDer)) }),
        },
        {
          name: 'x5c entry as a text string',
          code: 'apple_attestation_malformed',
          run: () =>
            verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('x5c', ['leaf', intermediateDer])) }),
        },
        {
          name: 'receipt as a number',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: edit(v, (m) => attStmtOf(m).set('receipt', 1)) }),
        },
        {
          name: 'authData wrapped in a CBOR tag',
          code: 'apple_attestation_malformed',
          run: () =>
            verify(v, {
              attestation: edit(v, (m) => m.set('authData', new CBORTag(24, m.get('authData')!))),
            }),
        },
        {
          name: 'the object wrapped in an array',
          code: 'apple_attestation_malformed',
          run: () => verify(v, { attestation: encodeCBOR([decodeMap(v.attestation)]) }),
        },
        {
          name: 'larger than 64 KiB',
          code: 'apple_attestation_too_large',
          run: () => verify(v, { attestation: new Uint8Array(64 * 1024 + 1) }),
        },
      ];
      for (const c of cases) {
        test(`${c.name} → ${c.code}`, () => expectFailure(c.run(), c.code, c.kind));
      }

      test('valid at exactly the leaf notBefore and notAfter (RFC 5280 bounds are inclusive)', () => {
        assert.ok(verify(v, { at: notBefore }).ok);
        assert.ok(verify(v, { at: notAfter }).ok);
      });

      test('the self-made chain verifies only when its root is passed as a test root', () => {
        const { attestation, anchors } = reissue(v);
        const result = verify(v, { attestation, anchors });
        assert.ok(result.ok, result.ok ? '' : result.code);
        assert.equal(result.evidence.testRoot, true);
      });
    });
  }
});

describe('verifyAppleAttestation: checks after the chain, on real-device data re-issued under a test root', () => {
  // One development and one production device are enough: these checks read authData only.
  for (const v of [VECTORS[0]!, VECTORS.find((w) => w.environment === 'production')!]) {
    describe(v.name, () => {
      const rewrite = (at: number, bytes: number[]) => (a: Uint8Array) => {
        const copy = Uint8Array.from(a);
        copy.set(bytes, at);
        assert.notDeepEqual(copy, a, 'the rewrite must change authData');
        return copy;
      };
      const xor = (at: number) => (a: Uint8Array) => flip(a, at);
      const cases: { name: string; code: string; reissue: Reissue; keyId?: string }[] = [
        {
          name: 'counter 1',
          code: 'apple_counter_not_zero',
          reissue: { authData: rewrite(COUNTER_AT, [0, 0, 0, 1]) },
        },
        {
          name: 'counter 2^32 - 1',
          code: 'apple_counter_not_zero',
          reissue: { authData: rewrite(COUNTER_AT, [255, 255, 255, 255]) },
        },
        {
          name: 'aaguid of another authenticator',
          code: 'apple_aaguid_unknown',
          reissue: { authData: rewrite(AAGUID_AT, [...Buffer.from('appattestXXXXXXX')]) },
        },
        {
          name: 'aaguid all zero',
          code: 'apple_aaguid_unknown',
          reissue: { authData: rewrite(AAGUID_AT, new Array(16).fill(0)) },
        },
        {
          name: 'credential id of another key',
          code: 'apple_credential_id_mismatch',
          reissue: { authData: xor(CREDENTIAL_ID_AT) },
        },
        {
          name: 'COSE key x changed',
          code: 'apple_credential_key_mismatch',
          reissue: { authData: xor(COSE_KEY_AT + 10) },
        },
        {
          name: 'COSE key replaced by an empty map',
          code: 'apple_credential_key_mismatch',
          reissue: { authData: (a) => Uint8Array.from([...a.slice(0, COSE_KEY_AT), 0xa0]) },
        },
        {
          name: 'COSE key not a map',
          code: 'apple_auth_data_malformed',
          reissue: { authData: (a) => Uint8Array.from([...a.slice(0, COSE_KEY_AT), 0x01]) },
        },
        {
          name: 'ED flag set without an extensions map',
          code: 'apple_auth_data_malformed',
          reissue: { authData: (a) => Uint8Array.from([...a.slice(0, 32), a[32]! | 0x80, ...a.slice(33)]) },
        },
        {
          name: 'AT flag cleared',
          code: 'apple_auth_data_malformed',
          reissue: { authData: (a) => Uint8Array.from([...a.slice(0, 32), 0, ...a.slice(33)]) },
        },
        { name: 'no nonce extension', code: 'apple_nonce_missing', reissue: { nonce: 'omit' } },
        { name: 'two nonce extensions', code: 'apple_nonce_malformed', reissue: { nonce: 'duplicate' } },
        {
          name: 'nonce of 31 bytes',
          code: 'apple_nonce_malformed',
          reissue: { nonce: Uint8Array.from([0x30, 0x23, 0xa1, 0x21, 0x04, 0x1f, ...new Array(31).fill(7)]) },
        },
        {
          name: 'nonce as a bare OCTET STRING',
          code: 'apple_nonce_malformed',
          reissue: { nonce: Uint8Array.from([0x04, 0x20, ...new Array(32).fill(7)]) },
        },
        {
          name: 'credential key on P-384',
          code: 'apple_public_key_unsupported',
          reissue: { leafKey: createTestKeyPair('ec-p384').publicKey },
        },
        {
          name: 'another P-256 key in the credential certificate',
          code: 'apple_key_id_mismatch',
          reissue: { leafKey: createTestKeyPair('ec-p256').publicKey },
        },
        {
          name: 'unknown critical extension in the credential certificate',
          code: 'apple_chain_untrusted',
          reissue: {
            leafExtensions: [
              { oid: '1.2.840.113635.100.8.99', critical: true, value: Uint8Array.from([5, 0]) },
            ],
          },
        },
        {
          name: 'intermediate that is not a CA',
          code: 'apple_chain_untrusted',
          reissue: { chain: createLookalikeChain({ intermediateCa: false }) },
        },
        {
          name: 'intermediate expired before the verification time',
          code: 'apple_certificate_expired',
          reissue: { chain: createLookalikeChain({ intermediateNotAfter: new Date(v.at.getTime() - 1000) }) },
        },
      ];
      for (const c of cases) {
        test(`${c.name} → ${c.code}`, () => {
          const { attestation, anchors } = reissue(v, c.reissue);
          expectFailure(verify(v, { attestation, anchors }), c.code);
        });
      }

      // Format evolution Apple documents: tolerated, and no check is loosened by it.
      const tolerated: { name: string; reissue: Reissue }[] = [
        {
          name: 'extensions map in authData with the ED flag set',
          reissue: {
            authData: (a) => {
              const extensions = encodeCBOR(
                new Map<string, CBORType>([
                  ['bundleVersion', '1.2.3'],
                  ['launchValidationCategory', 1],
                ]),
              );
              return Uint8Array.from([...a.slice(0, 32), a[32]! | 0x80, ...a.slice(33), ...extensions]);
            },
          },
        },
        {
          name: 'extra authenticator data after the credential',
          reissue: { authData: (a) => Uint8Array.from([...a, 1, 2, 3, 4]) },
        },
        {
          name: 'unknown non-critical extension in the credential certificate',
          reissue: {
            leafExtensions: [{ oid: '1.2.840.113635.100.8.99', value: Uint8Array.from([4, 2, 1, 2]) }],
          },
        },
      ];
      for (const c of tolerated) {
        test(`tolerates ${c.name}`, () => {
          const { attestation, anchors } = reissue(v, c.reissue);
          const result = verify(v, { attestation, anchors });
          assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
          assert.equal(result.evidence.testRoot, true);
          // The nonce still covers the appended data: changing its last byte afterwards is refused.
          const map = decodeMap(attestation);
          const authData = map.get('authData') as Uint8Array;
          map.set('authData', flip(authData, authData.byteLength - 1));
          expectFailure(verify(v, { attestation: encodeCBOR(map), anchors }), 'apple_nonce_mismatch');
        });
      }
    });
  }
});

describe('verifyAppleAttestation: caller mistakes are TypeErrors, not results', () => {
  const v = VECTORS[0]!;
  test('clientDataHash that is not bytes', () => {
    assert.throws(() => verify(v, { clientDataHash: [1, 2] as unknown as Uint8Array }), TypeError);
  });
  test('a clientDataHash of another length is evidence to judge, not a caller mistake', () => {
    const result = verify(v, { clientDataHash: new Uint8Array(31) });
    assert.equal(result.ok ? undefined : result.code, 'apple_nonce_mismatch');
    assert.equal(result.ok ? undefined : result.compared?.['clientDataHashBytes'], 31);
  });
  test('empty appIds or environments', () => {
    assert.throws(() => verify(v, { policy: { appIds: [], environments: ['development'] } }), TypeError);
    assert.throws(() => verify(v, { policy: { appIds: [v.appId], environments: [] } }), TypeError);
  });
  test('invalid date', () => {
    assert.throws(() => verify(v, { at: new Date(Number.NaN) }), TypeError);
  });
});
