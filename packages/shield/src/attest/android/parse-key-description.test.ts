import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import {
  ANDROID_FIXTURES,
  type GoogleKeyDescriptionJson,
  readJsonFixture,
  readPemChain,
} from '../../../test/fixtures/android/android-fixtures.js';
import { AndroidParseError } from './android-parse-error.js';
import type { AuthorizationList, KeyDescription } from './key-description.js';
import { RawAuthorizationList, RawKeyDescription } from './key-description-schema.js';
import { KEY_DESCRIPTION_OID, parseKeyDescription } from './parse-key-description.js';

function extensionOf(certDer: Uint8Array): Uint8Array {
  const cert = AsnConvert.parse(certDer, Certificate);
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === KEY_DESCRIPTION_OID);
  assert.ok(ext, 'leaf has a key description');
  return new Uint8Array(ext.extnValue.buffer);
}

function leafDescription(path: string): KeyDescription {
  const leaf = readPemChain(path)[0];
  assert.ok(leaf);
  return parseKeyDescription(extensionOf(leaf));
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const LEVEL = { software: 'SOFTWARE', tee: 'TRUSTED_ENVIRONMENT', strongbox: 'STRONG_BOX' } as const;
const BOOT = {
  verified: 'VERIFIED',
  self_signed: 'SELF_SIGNED',
  unverified: 'UNVERIFIED',
  failed: 'FAILED',
} as const;
const ORIGIN = ['GENERATED', 'DERIVED', 'IMPORTED', 'RESERVED', 'SECURELY_IMPORTED'];

/** Our parse in the shape of Google's expected JSON (android/keyattestation testdata). */
function asGoogleList(l: AuthorizationList, withOrder: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const s = (v: number) => String(v);
  if (l.purposes) o['purposes'] = l.purposes.map(s);
  if (l.algorithm !== undefined) o['algorithms'] = s(l.algorithm);
  if (l.keySize !== undefined) o['keySize'] = s(l.keySize);
  if (l.blockModes) o['blockModes'] = l.blockModes.map(s);
  if (l.digests) o['digests'] = l.digests.map(s);
  if (l.paddings) o['paddings'] = l.paddings.map(s);
  if (l.ecCurve !== undefined) o['ecCurve'] = s(l.ecCurve);
  if (l.mlDsaVariant !== undefined) o['mlDsaVariant'] = s(l.mlDsaVariant);
  if (l.rsaPublicExponent !== undefined) o['rsaPublicExponent'] = s(l.rsaPublicExponent);
  if (l.mgfDigests) o['rsaOaepMgfDigests'] = l.mgfDigests.map(s);
  if (l.rollbackResistance) o['rollbackResistance'] = true;
  if (l.earlyBootOnly) o['earlyBootOnly'] = true;
  if (l.activeDateTime !== undefined) o['activeDateTime'] = s(l.activeDateTime);
  if (l.originationExpireDateTime !== undefined)
    o['originationExpireDateTime'] = s(l.originationExpireDateTime);
  if (l.usageExpireDateTime !== undefined) o['usageExpireDateTime'] = s(l.usageExpireDateTime);
  if (l.usageCountLimit !== undefined) o['usageCountLimit'] = s(l.usageCountLimit);
  if (l.noAuthRequired) o['noAuthRequired'] = true;
  if (l.userAuthType !== undefined) o['userAuthType'] = s(l.userAuthType);
  if (l.authTimeout !== undefined) o['authTimeout'] = s(l.authTimeout);
  if (l.allowWhileOnBody) o['allowWhileOnBody'] = true;
  if (l.trustedUserPresenceRequired) o['trustedUserPresenceRequired'] = true;
  if (l.trustedConfirmationRequired) o['trustedConfirmationRequired'] = true;
  if (l.unlockedDeviceRequired) o['unlockedDeviceRequired'] = true;
  if (l.allApplications) o['allApplications'] = true;
  if (l.applicationId) o['applicationId'] = b64(l.applicationId);
  if (l.creationDateTime !== undefined) o['creationDateTime'] = s(l.creationDateTime);
  if (l.origin !== undefined) o['origin'] = ORIGIN[l.origin];
  if (l.rollbackResistant) o['rollbackResistant'] = true;
  if (l.rootOfTrust) {
    const r = l.rootOfTrust;
    o['rootOfTrust'] = {
      verifiedBootKey: b64(r.verifiedBootKey),
      deviceLocked: r.deviceLocked,
      verifiedBootState: BOOT[r.verifiedBootState],
      ...(r.verifiedBootHash ? { verifiedBootHash: b64(r.verifiedBootHash) } : {}),
    };
  }
  if (l.osVersion !== undefined) o['osVersion'] = s(l.osVersion);
  if (l.osPatchLevel !== undefined) o['osPatchLevel'] = s(l.osPatchLevel);
  if (l.attestationApplicationId) {
    o['attestationApplicationId'] = {
      packages: l.attestationApplicationId.packages.map((p) => ({ name: p.name, version: s(p.version) })),
      signatures: l.attestationApplicationId.signatureDigests.map(b64),
    };
  }
  const ids = [
    'Brand',
    'Device',
    'Product',
    'Serial',
    'Imei',
    'Meid',
    'Manufacturer',
    'Model',
    'SecondImei',
  ] as const;
  for (const id of ids) {
    const v = l[`attestationId${id}`];
    if (v !== undefined) o[`attestationId${id}`] = v;
  }
  if (l.vendorPatchLevel !== undefined) o['vendorPatchLevel'] = s(l.vendorPatchLevel);
  if (l.bootPatchLevel !== undefined) o['bootPatchLevel'] = s(l.bootPatchLevel);
  if (l.deviceUniqueAttestation) o['deviceUniqueAttestation'] = true;
  if (l.moduleHash) o['moduleHash'] = b64(l.moduleHash);
  if (withOrder) o['areTagsOrdered'] = l.tagsOrdered;
  return o;
}

function asGoogle(kd: KeyDescription, expected: GoogleKeyDescriptionJson): GoogleKeyDescriptionJson {
  return {
    attestationVersion: String(kd.attestationVersion),
    attestationSecurityLevel: LEVEL[kd.attestationSecurityLevel],
    keyMintVersion: String(kd.keyMintVersion),
    keyMintSecurityLevel: LEVEL[kd.keyMintSecurityLevel],
    attestationChallenge: b64(kd.attestationChallenge),
    uniqueId: b64(kd.uniqueId),
    softwareEnforced: asGoogleList(kd.softwareEnforced, 'areTagsOrdered' in expected.softwareEnforced),
    hardwareEnforced: asGoogleList(kd.hardwareEnforced, 'areTagsOrdered' in expected.hardwareEnforced),
  };
}

const GOOGLE_DIR = 'keyattestation-google';
const withExpectedJson = readdirSync(`${ANDROID_FIXTURES}/${GOOGLE_DIR}`)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));

describe('parseKeyDescription matches Google expected parse', () => {
  test('there is an expected parse for every real chain Google ships one for', () => {
    assert.equal(withExpectedJson.length, 21);
  });
  for (const name of withExpectedJson) {
    test(name, () => {
      const expected = readJsonFixture<GoogleKeyDescriptionJson>(`${GOOGLE_DIR}/${name}.json`);
      const parsed = leafDescription(`${GOOGLE_DIR}/${name}.pem`);
      assert.deepEqual(asGoogle(parsed, expected), expected);
      assert.deepEqual(parsed.softwareEnforced.unknownTags, []);
      assert.deepEqual(parsed.hardwareEnforced.unknownTags, []);
    });
  }
});

describe('parseKeyDescription special cases', () => {
  test('KeyMint 500 ML-DSA key: tag [11] decodes as mlDsaVariant', () => {
    const kd = leafDescription(`${GOOGLE_DIR}/pixel9-tokay-2026-04-tee-mldsa-rkp.pem`);
    assert.equal(kd.attestationVersion, 500);
    assert.equal(kd.hardwareEnforced.mlDsaVariant, 1);
    assert.equal(kd.hardwareEnforced.algorithm, 4);
  });

  test('unordered authorization tags are reported, not hidden', () => {
    const kd = leafDescription(`${GOOGLE_DIR}/unknown-2022-09-tags-not-in-ascending-order.pem`);
    assert.equal(kd.hardwareEnforced.tagsOrdered, false);
    assert.deepEqual(kd.hardwareEnforced.tags.slice(0, 2), [2, 1]);
    assert.equal(kd.softwareEnforced.tagsOrdered, true);
  });

  test('a non-canonical deviceLocked boolean reads as true, as Google reads it', () => {
    const kd = leafDescription(`${GOOGLE_DIR}/unknown-2021-01-malformed-rot-device-locked.pem`);
    assert.equal(kd.hardwareEnforced.rootOfTrust?.deviceLocked, true);
  });

  test('allowWhileOnBody is decoded', () => {
    const kd = leafDescription(`${GOOGLE_DIR}/pixel-2025-03-allow-while-on-body.pem`);
    assert.equal(kd.softwareEnforced.allowWhileOnBody ?? kd.hardwareEnforced.allowWhileOnBody, true);
  });

  test('pre-production Pixel 3 sample: challenge abc, version 3, system packages', () => {
    const kd = leafDescription('google-sample/pixel3-preprod-2018-03-tee-ec.pem');
    assert.equal(Buffer.from(kd.attestationChallenge).toString('utf8'), 'abc');
    assert.equal(kd.attestationVersion, 3);
    assert.equal(kd.softwareEnforced.attestationApplicationId?.packages[0]?.name, 'android');
  });

  test('the synthetic test leaf has a dummy extension: malformed', () => {
    const leaf = readPemChain(`${GOOGLE_DIR}/synthetic-2024-01-p256-sha384-intermediate.pem`)[0];
    assert.ok(leaf);
    assert.throws(
      () => parseKeyDescription(extensionOf(leaf)),
      (e: unknown) => e instanceof AndroidParseError && e.code === 'android_key_description_malformed',
    );
  });

  test('an unknown tag is listed in unknownTags, known ones still decode', () => {
    const raw = new RawKeyDescription();
    raw.attestationVersion = 400;
    raw.attestationSecurityLevel = 1;
    raw.keyMintVersion = 400;
    raw.keyMintSecurityLevel = 1;
    raw.attestationChallenge = new OctetString(Buffer.from('c'));
    raw.uniqueId = new OctetString(0);
    // [702] EXPLICIT INTEGER 0 (origin) then [900] EXPLICIT INTEGER 1 (no such tag).
    raw.softwareEnforced = new RawAuthorizationList([
      new Uint8Array([0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00]).buffer,
      new Uint8Array([0xbf, 0x87, 0x04, 0x03, 0x02, 0x01, 0x01]).buffer,
    ]);
    raw.hardwareEnforced = new RawAuthorizationList([]);
    const kd = parseKeyDescription(new Uint8Array(AsnConvert.serialize(raw)));
    assert.deepEqual(kd.softwareEnforced.unknownTags, [900]);
    assert.deepEqual(kd.softwareEnforced.tags, [702, 900]);
    assert.equal(kd.softwareEnforced.origin, 0);
  });

  test('a known tag with the wrong inner type is malformed', () => {
    const raw = new RawKeyDescription();
    raw.attestationVersion = 3;
    raw.attestationSecurityLevel = 1;
    raw.keyMintVersion = 4;
    raw.keyMintSecurityLevel = 1;
    raw.attestationChallenge = new OctetString(0);
    raw.uniqueId = new OctetString(0);
    // [702] EXPLICIT OCTET STRING: origin must be an INTEGER.
    raw.softwareEnforced = new RawAuthorizationList([
      new Uint8Array([0xbf, 0x85, 0x3e, 0x03, 0x04, 0x01, 0x00]).buffer,
    ]);
    raw.hardwareEnforced = new RawAuthorizationList([]);
    assert.throws(
      () => parseKeyDescription(new Uint8Array(AsnConvert.serialize(raw))),
      (e: unknown) => e instanceof AndroidParseError && e.code === 'android_key_description_malformed',
    );
  });
});

describe('parseKeyDescription robustness', () => {
  const real = extensionOf(
    readPemChain(`${GOOGLE_DIR}/pixel9pro-caiman-2025-09-tee-ec-rkp.pem`)[0] ?? new Uint8Array(),
  );
  const onlyTypedErrors = (bytes: Uint8Array) => {
    try {
      parseKeyDescription(bytes);
    } catch (e) {
      assert.ok(e instanceof AndroidParseError, `unexpected ${String(e)}`);
      assert.equal(e.code, 'android_key_description_malformed');
    }
  };

  test('every truncation of a real extension fails with the typed error', () => {
    for (let n = 0; n < real.length; n++) {
      assert.throws(() => parseKeyDescription(real.subarray(0, n)), AndroidParseError);
    }
  });

  test('random bytes and bit flips never crash', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), onlyTypedErrors), {
      numRuns: 300,
      seed: 20260101,
    });
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const copy = Uint8Array.from(real);
        copy[at] = (copy[at] ?? 0) ^ mask;
        onlyTypedErrors(copy);
      }),
      { numRuns: 400, seed: 20260102 },
    );
  });
});
