/**
 * The key description of an Android key attestation (extension 1.3.6.1.4.1.11129.2.1.17), as
 * plain data. Field meanings follow
 * https://source.android.com/docs/security/features/keystore/attestation#schema; numbers are
 * the raw KeyMint values (Algorithm, KeyPurpose, EcCurve, KeyOrigin, ...).
 */
export interface KeyDescription {
  /** 1, 2, 3, 4 (Keymaster), 100, 200, 300, 400, 500 (KeyMint). */
  attestationVersion: number;
  attestationSecurityLevel: AndroidSecurityLevel;
  /** Keymaster or KeyMint version (the same position in the sequence for every version). */
  keyMintVersion: number;
  keyMintSecurityLevel: AndroidSecurityLevel;
  /** The challenge the app passed to setAttestationChallenge. */
  attestationChallenge: Uint8Array;
  uniqueId: Uint8Array;
  softwareEnforced: AuthorizationList;
  hardwareEnforced: AuthorizationList;
}

export type AndroidSecurityLevel = 'software' | 'tee' | 'strongbox';

export type VerifiedBootState = 'verified' | 'self_signed' | 'unverified' | 'failed';

export interface RootOfTrust {
  verifiedBootKey: Uint8Array;
  deviceLocked: boolean;
  verifiedBootState: VerifiedBootState;
  /** Present from attestation version 3. */
  verifiedBootHash?: Uint8Array;
}

export interface AttestationPackage {
  name: string;
  version: number;
}

export interface AttestationApplicationId {
  packages: AttestationPackage[];
  /** SHA-256 digests of the app's signing certificates. */
  signatureDigests: Uint8Array[];
}

/**
 * One AuthorizationList. Only tags present in the extension are set; boolean tags (ASN.1 NULL)
 * are `true` when present. `tags` lists every tag number in encoding order, `unknownTags` those
 * this parser has no field for, `tagsOrdered` whether the tags were strictly ascending as DER
 * requires.
 */
export interface AuthorizationList {
  purposes?: number[];
  algorithm?: number;
  keySize?: number;
  blockModes?: number[];
  digests?: number[];
  paddings?: number[];
  ecCurve?: number;
  mlDsaVariant?: number;
  rsaPublicExponent?: number;
  mgfDigests?: number[];
  rollbackResistance?: true;
  earlyBootOnly?: true;
  activeDateTime?: number;
  originationExpireDateTime?: number;
  usageExpireDateTime?: number;
  usageCountLimit?: number;
  noAuthRequired?: true;
  userAuthType?: number;
  authTimeout?: number;
  allowWhileOnBody?: true;
  trustedUserPresenceRequired?: true;
  trustedConfirmationRequired?: true;
  unlockedDeviceRequired?: true;
  allApplications?: true;
  applicationId?: Uint8Array;
  creationDateTime?: number;
  origin?: number;
  rollbackResistant?: true;
  rootOfTrust?: RootOfTrust;
  osVersion?: number;
  /** YYYYMM. */
  osPatchLevel?: number;
  attestationApplicationId?: AttestationApplicationId;
  attestationIdBrand?: string;
  attestationIdDevice?: string;
  attestationIdProduct?: string;
  attestationIdSerial?: string;
  attestationIdImei?: string;
  attestationIdMeid?: string;
  attestationIdManufacturer?: string;
  attestationIdModel?: string;
  /** YYYYMMDD (some devices send YYYYMM). */
  vendorPatchLevel?: number;
  /** YYYYMMDD (some devices send YYYYMM). */
  bootPatchLevel?: number;
  deviceUniqueAttestation?: true;
  attestationIdSecondImei?: string;
  moduleHash?: Uint8Array;
  tags: number[];
  unknownTags: number[];
  tagsOrdered: boolean;
}

/** KeyMint KeyOrigin.GENERATED: the key was created inside the keystore. */
export const KEY_ORIGIN_GENERATED = 0;
