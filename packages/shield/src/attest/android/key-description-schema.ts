import { IntegerSet, NonStandardAuthorization } from '@peculiar/asn1-android';
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from '@peculiar/asn1-schema';

/*
 * ASN.1 schema for decoding the key description. The authorization lists are decoded element by
 * element: @peculiar/asn1-android's NonStandardAuthorization (a CHOICE over every tag it knows,
 * so order is not assumed) decodes each entry, and an entry whose tag the CHOICE lacks is kept
 * as an unknown tag instead of failing the whole extension. That lets KeyMint 500 chains (tag
 * [11] ML-DSA variant) and future tags decode, and leaves the judgement to the verifier.
 */

/** The library's CHOICE plus the tags it lacks: blockMode [4] and mlDsaVariant [11] (KeyMint 500). */
export class AuthorizationEntry extends NonStandardAuthorization {
  declare blockMode?: IntegerSet;
  declare mlDsaVariant?: number;
}
AsnProp({ type: IntegerSet, context: 4, optional: true })(AuthorizationEntry.prototype, 'blockMode');
AsnProp({ type: AsnPropTypes.Integer, context: 11, optional: true })(
  AuthorizationEntry.prototype,
  'mlDsaVariant',
);
AsnType({ type: AsnTypeTypes.Choice })(AuthorizationEntry);

/** AuthorizationList as a SEQUENCE OF raw elements (each decoded on its own). */
export class RawAuthorizationList extends AsnArray<ArrayBuffer> {
  constructor(items?: ArrayBuffer[]) {
    super(items);
    Object.setPrototypeOf(this, RawAuthorizationList.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Any })(RawAuthorizationList);

/**
 * KeyDescription / KeyMint KeyDescription: the same eight fields for every version
 * (attestationVersion 1 to 500 and later).
 */
export class RawKeyDescription {
  declare attestationVersion: number | string;
  declare attestationSecurityLevel: number;
  declare keyMintVersion: number | string;
  declare keyMintSecurityLevel: number;
  declare attestationChallenge: OctetString;
  declare uniqueId: OctetString;
  declare softwareEnforced: RawAuthorizationList;
  declare hardwareEnforced: RawAuthorizationList;
}
AsnProp({ type: AsnPropTypes.Integer })(RawKeyDescription.prototype, 'attestationVersion');
AsnProp({ type: AsnPropTypes.Enumerated })(RawKeyDescription.prototype, 'attestationSecurityLevel');
AsnProp({ type: AsnPropTypes.Integer })(RawKeyDescription.prototype, 'keyMintVersion');
AsnProp({ type: AsnPropTypes.Enumerated })(RawKeyDescription.prototype, 'keyMintSecurityLevel');
AsnProp({ type: OctetString })(RawKeyDescription.prototype, 'attestationChallenge');
AsnProp({ type: OctetString })(RawKeyDescription.prototype, 'uniqueId');
AsnProp({ type: RawAuthorizationList })(RawKeyDescription.prototype, 'softwareEnforced');
AsnProp({ type: RawAuthorizationList })(RawKeyDescription.prototype, 'hardwareEnforced');
AsnType({ type: AsnTypeTypes.Sequence })(RawKeyDescription);
