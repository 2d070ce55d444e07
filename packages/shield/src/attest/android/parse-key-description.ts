import {
  AttestationApplicationId as AsnAttestationApplicationId,
  type RootOfTrust as AsnRootOfTrust,
} from '@peculiar/asn1-android';
import { AsnConvert, type OctetString } from '@peculiar/asn1-schema';
import { AndroidParseError } from './android-parse-error.js';
import type {
  AndroidSecurityLevel,
  AttestationApplicationId,
  AuthorizationList,
  KeyDescription,
  RootOfTrust,
  VerifiedBootState,
} from './key-description.js';
import { AuthorizationEntry, RawKeyDescription } from './key-description-schema.js';

/** OID of the Android key description extension. */
export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

const SECURITY_LEVELS: Record<number, AndroidSecurityLevel> = { 0: 'software', 1: 'tee', 2: 'strongbox' };
const BOOT_STATES: Record<number, VerifiedBootState> = {
  0: 'verified',
  1: 'self_signed',
  2: 'unverified',
  3: 'failed',
};

/** Every AuthorizationList tag the schema decodes (KeyMint Tag.aidl numbers, up to KeyMint 500). */
const KNOWN_TAGS = new Set([
  1, 2, 3, 4, 5, 6, 10, 11, 200, 203, 303, 305, 400, 401, 402, 405, 503, 504, 505, 506, 507, 508, 509, 600,
  601, 701, 702, 703, 704, 705, 706, 709, 710, 711, 712, 713, 714, 715, 716, 717, 718, 719, 720, 723, 724,
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the key description extension of an Android key attestation leaf (the contents of the
 * extension's OCTET STRING) into plain data. Every attestation version is decoded, Keymaster 1
 * to KeyMint 500; tags the decoder does not know are listed in `unknownTags`, and tag order is
 * reported in `tagsOrdered`. It judges nothing: the verifier decides what is acceptable.
 *
 * @throws AndroidParseError with code `android_key_description_malformed` when the bytes are
 *   not a key description.
 * @example
 * const kd = parseKeyDescription(extensionValue);
 * kd.attestationSecurityLevel; // 'tee'
 */
export function parseKeyDescription(extDer: Uint8Array): KeyDescription {
  if (outerLength(extDer) !== extDer.length) {
    throw malformed('the key description is not exactly one DER SEQUENCE (bytes are missing or follow it)');
  }
  let raw: RawKeyDescription;
  try {
    raw = AsnConvert.parse(extDer, RawKeyDescription);
  } catch (cause) {
    throw malformed('the key description is not a KeyDescription sequence', cause);
  }
  return {
    attestationVersion: toInteger(raw.attestationVersion, 'attestationVersion'),
    attestationSecurityLevel: securityLevel(raw.attestationSecurityLevel, 'attestationSecurityLevel'),
    keyMintVersion: toInteger(raw.keyMintVersion, 'keyMintVersion'),
    keyMintSecurityLevel: securityLevel(raw.keyMintSecurityLevel, 'keyMintSecurityLevel'),
    attestationChallenge: bytes(raw.attestationChallenge),
    uniqueId: bytes(raw.uniqueId),
    softwareEnforced: decodeAuthorizationList(raw.softwareEnforced, 'softwareEnforced'),
    hardwareEnforced: decodeAuthorizationList(raw.hardwareEnforced, 'hardwareEnforced'),
  };
}

function decodeAuthorizationList(elements: readonly ArrayBuffer[], where: string): AuthorizationList {
  const list: AuthorizationList = { tags: [], unknownTags: [], tagsOrdered: true };
  for (const element of elements) {
    const der = new Uint8Array(element);
    const tag = readContextTag(der);
    if (tag === undefined) throw malformed(`${where} holds an entry that is not a context-tagged field`);
    const previous = list.tags.at(-1);
    if (previous !== undefined && tag <= previous) list.tagsOrdered = false;
    list.tags.push(tag);
    if (!KNOWN_TAGS.has(tag)) {
      list.unknownTags.push(tag);
      continue;
    }
    let entry: AuthorizationEntry;
    try {
      entry = AsnConvert.parse(der, AuthorizationEntry);
    } catch (cause) {
      throw malformed(`${where} tag ${tag} does not have the type the schema gives it`, cause);
    }
    applyEntry(list, entry, `${where} tag ${tag}`);
  }
  return list;
}

function applyEntry(list: AuthorizationList, e: AuthorizationEntry, where: string): void {
  // Repeated tags are reported through tagsOrdered; the first occurrence wins here.
  const set = <K extends keyof AuthorizationList>(key: K, value: AuthorizationList[K]) => {
    if (list[key] === undefined) list[key] = value;
  };
  if (e.purpose !== undefined) set('purposes', integers(e.purpose, where));
  if (e.algorithm !== undefined) set('algorithm', toInteger(e.algorithm, where));
  if (e.keySize !== undefined) set('keySize', toInteger(e.keySize, where));
  if (e.blockMode !== undefined) set('blockModes', integers(e.blockMode, where));
  if (e.digest !== undefined) set('digests', integers(e.digest, where));
  if (e.padding !== undefined) set('paddings', integers(e.padding, where));
  if (e.ecCurve !== undefined) set('ecCurve', toInteger(e.ecCurve, where));
  if (e.mlDsaVariant !== undefined) set('mlDsaVariant', toInteger(e.mlDsaVariant, where));
  if (e.rsaPublicExponent !== undefined) set('rsaPublicExponent', toInteger(e.rsaPublicExponent, where));
  if (e.mgfDigest !== undefined) set('mgfDigests', integers(e.mgfDigest, where));
  if (e.rollbackResistance !== undefined) set('rollbackResistance', true);
  if (e.earlyBootOnly !== undefined) set('earlyBootOnly', true);
  if (e.activeDateTime !== undefined) set('activeDateTime', toInteger(e.activeDateTime, where));
  if (e.originationExpireDateTime !== undefined) {
    set('originationExpireDateTime', toInteger(e.originationExpireDateTime, where));
  }
  if (e.usageExpireDateTime !== undefined)
    set('usageExpireDateTime', toInteger(e.usageExpireDateTime, where));
  if (e.usageCountLimit !== undefined) set('usageCountLimit', toInteger(e.usageCountLimit, where));
  if (e.noAuthRequired !== undefined) set('noAuthRequired', true);
  if (e.userAuthType !== undefined) set('userAuthType', toInteger(e.userAuthType, where));
  if (e.authTimeout !== undefined) set('authTimeout', toInteger(e.authTimeout, where));
  if (e.allowWhileOnBody !== undefined) set('allowWhileOnBody', true);
  if (e.trustedUserPresenceRequired !== undefined) set('trustedUserPresenceRequired', true);
  if (e.trustedConfirmationRequired !== undefined) set('trustedConfirmationRequired', true);
  if (e.unlockedDeviceRequired !== undefined) set('unlockedDeviceRequired', true);
  if (e.allApplications !== undefined) set('allApplications', true);
  if (e.applicationId !== undefined) set('applicationId', bytes(e.applicationId));
  if (e.creationDateTime !== undefined) set('creationDateTime', toInteger(e.creationDateTime, where));
  if (e.origin !== undefined) set('origin', toInteger(e.origin, where));
  if (e.rollbackResistant !== undefined) set('rollbackResistant', true);
  if (e.rootOfTrust !== undefined) set('rootOfTrust', rootOfTrust(e.rootOfTrust, where));
  if (e.osVersion !== undefined) set('osVersion', toInteger(e.osVersion, where));
  if (e.osPatchLevel !== undefined) set('osPatchLevel', toInteger(e.osPatchLevel, where));
  if (e.attestationApplicationId !== undefined) {
    set('attestationApplicationId', applicationId(e.attestationApplicationId, where));
  }
  if (e.attestationIdBrand !== undefined) set('attestationIdBrand', text(e.attestationIdBrand, where));
  if (e.attestationIdDevice !== undefined) set('attestationIdDevice', text(e.attestationIdDevice, where));
  if (e.attestationIdProduct !== undefined) set('attestationIdProduct', text(e.attestationIdProduct, where));
  if (e.attestationIdSerial !== undefined) set('attestationIdSerial', text(e.attestationIdSerial, where));
  if (e.attestationIdImei !== undefined) set('attestationIdImei', text(e.attestationIdImei, where));
  if (e.attestationIdMeid !== undefined) set('attestationIdMeid', text(e.attestationIdMeid, where));
  if (e.attestationIdManufacturer !== undefined) {
    set('attestationIdManufacturer', text(e.attestationIdManufacturer, where));
  }
  if (e.attestationIdModel !== undefined) set('attestationIdModel', text(e.attestationIdModel, where));
  if (e.vendorPatchLevel !== undefined) set('vendorPatchLevel', toInteger(e.vendorPatchLevel, where));
  if (e.bootPatchLevel !== undefined) set('bootPatchLevel', toInteger(e.bootPatchLevel, where));
  if (e.deviceUniqueAttestation !== undefined) set('deviceUniqueAttestation', true);
  if (e.attestationIdSecondImei !== undefined) {
    set('attestationIdSecondImei', text(e.attestationIdSecondImei, where));
  }
  if (e.moduleHash !== undefined) set('moduleHash', bytes(e.moduleHash));
}

function rootOfTrust(r: AsnRootOfTrust, where: string): RootOfTrust {
  const state = BOOT_STATES[toInteger(r.verifiedBootState, where)];
  if (state === undefined) throw malformed(`${where} has an unknown verifiedBootState`);
  const out: RootOfTrust = {
    verifiedBootKey: bytes(r.verifiedBootKey),
    deviceLocked: r.deviceLocked === true,
    verifiedBootState: state,
  };
  if (r.verifiedBootHash !== undefined) out.verifiedBootHash = bytes(r.verifiedBootHash);
  return out;
}

function applicationId(value: OctetString, where: string): AttestationApplicationId {
  let parsed: AsnAttestationApplicationId;
  try {
    parsed = AsnConvert.parse(value.buffer, AsnAttestationApplicationId);
  } catch (cause) {
    throw malformed(`${where} attestationApplicationId is not an AttestationApplicationId`, cause);
  }
  // An empty SET OF decodes as undefined.
  return {
    packages: (parsed.packageInfos ?? []).map((p) => ({
      name: text(p.packageName, where),
      version: toInteger(p.version, where),
    })),
    signatureDigests: (parsed.signatureDigests ?? []).map(bytes),
  };
}

function securityLevel(value: number, where: string): AndroidSecurityLevel {
  const level = SECURITY_LEVELS[value];
  if (level === undefined) throw malformed(`${where} is not a known security level`);
  return level;
}

function integers(values: readonly (number | string)[], where: string): number[] {
  // Array.from, not map: IntegerSet's map would build another IntegerSet.
  return Array.from(values, (v) => toInteger(v, where));
}

/** asn1-schema gives INTEGERs of four bytes or more as decimal strings. */
function toInteger(value: unknown, where: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n)) throw malformed(`${where} holds an integer outside the supported range`);
  return n;
}

/**
 * asn1-schema hands OCTET STRINGs over as its OctetString class or, for fields typed
 * AsnPropTypes.OctetString (AttestationApplicationId), as a bare ArrayBuffer.
 */
type Octets = OctetString | ArrayBuffer;

function text(value: Octets, where: string): string {
  try {
    return utf8.decode(value instanceof ArrayBuffer ? value : value.buffer);
  } catch (cause) {
    throw malformed(`${where} holds a string that is not UTF-8`, cause);
  }
}

function bytes(value: Octets): Uint8Array {
  return new Uint8Array((value instanceof ArrayBuffer ? value : value.buffer).slice(0));
}

/** Tag number of a context-specific, constructed (EXPLICIT) DER element; undefined otherwise. */
function readContextTag(der: Uint8Array): number | undefined {
  const first = der[0];
  if (first === undefined || (first & 0xe0) !== 0xa0) return undefined;
  if ((first & 0x1f) !== 0x1f) return first & 0x1f;
  let tag = 0;
  // High-tag-number form: base-128 digits, at most four (no KeyMint tag needs more).
  for (let i = 1; i <= 4; i++) {
    const b = der[i];
    if (b === undefined || (i === 1 && b === 0x80)) return undefined;
    tag = tag * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return tag;
  }
  return undefined;
}

/**
 * The length of the DER SEQUENCE at the start of `der`, header included, or -1 when it does not
 * start with one. The schema parser reads the first element and ignores what follows it; bytes
 * after the key description are refused, as they are after a certificate (found by fuzzing).
 */
function outerLength(der: Uint8Array): number {
  if (der.length < 2 || der[0] !== 0x30) return -1;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 3 || der.length < 2 + count) return -1;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[2 + i]!;
  return 2 + count + length;
}

function malformed(message: string, cause?: unknown): AndroidParseError {
  return new AndroidParseError(
    'android_key_description_malformed',
    message,
    cause === undefined ? undefined : { cause },
  );
}
