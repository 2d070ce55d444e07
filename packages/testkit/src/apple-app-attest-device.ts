import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import type { AppAttestTestAuthority } from './apple-app-attest-test-authority.js';

/** A software stand-in for an iPhone's App Attest key, for tests and demos. */
export interface SoftwareAppAttestDevice {
  /** The key identifier as `generateKey` returns it: standard base64 of SHA-256 of the public key. */
  keyId: string;
  /** The device public key (EC P-256). */
  publicKeyJwk: JsonWebKeyLike;
  /** The assertion counter (0 until the first assertion). */
  readonly counter: number;
  /**
   * Like `attestKey(keyId, clientDataHash)`: the CBOR attestation object
   * `{fmt: 'apple-appattest', attStmt: {x5c: [credential, intermediate], receipt}, authData}` with
   * authData = rpIdHash ‖ flags (AT) ‖ counter 0 ‖ aaguid ‖ credentialId ‖ COSE key.
   */
  attest(clientDataHash: Uint8Array): Uint8Array;
  /** Like `generateAssertion(keyId, clientDataHash)`: CBOR `{signature, authenticatorData}`, counter incremented. */
  assert(clientDataHash: Uint8Array): Uint8Array;
}

export interface CreateSoftwareAppAttestDeviceOptions {
  authority: AppAttestTestAuthority;
  /** `TEAMID.bundle.id`. */
  appId: string;
  environment: 'development' | 'production';
  /** Clock (ms) for the credential certificate validity: one day before to two days after, like Apple's. Default Date.now. */
  now?: () => number;
  /** A CBOR extensions map appended to the attestation authData with the ED flag (format-evolution tests). */
  authDataExtensions?: Map<string | number, CBORType>;
  /** Extra credential-certificate extensions (format-evolution tests). */
  certificateExtensions?: readonly { oid: string; critical?: boolean; value: Uint8Array }[];
}

const FLAG_AT = 0x40;
const FLAG_ED = 0x80;
const DAY_MS = 24 * 60 * 60 * 1000;
const AAGUID = {
  development: Buffer.from('appattestdevelop', 'ascii'),
  production: Buffer.concat([Buffer.from('appattest', 'ascii'), Buffer.alloc(7)]),
};
/** Not Apple's PKCS#7 receipt: a marker, since receipts are kept but not verified. */
const TEST_RECEIPT = new TextEncoder().encode('Portcullis TEST App Attest receipt - not Apple');

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter);
  return bytes;
}

/**
 * Creates a software App Attest device: a P-256 key pair, attestations whose certificate chain
 * ends at the test authority's root, and assertions, all in Apple's exact CBOR format.
 *
 * @example
 * ```ts
 * const device = createSoftwareAppAttestDevice({ authority, appId: 'ABCDE12345.com.example.shop', environment: 'development' });
 * const attestation = device.attest(sha256(challenge));
 * const assertion = device.assert(sha256(nextChallenge));
 * ```
 */
export function createSoftwareAppAttestDevice(
  options: CreateSoftwareAppAttestDeviceOptions,
): SoftwareAppAttestDevice {
  const { authority, appId, environment } = options;
  if (!appId.includes('.')) throw new TypeError('appId must be TEAMID.bundle.id');
  const now = options.now ?? Date.now;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
    throw new Error('P-256 key without coordinates');
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const keyHash = sha256(Buffer.from([0x04]), x, y);
  const rpIdHash = sha256(Buffer.from(appId, 'utf8'));
  let counter = 0;

  // Apple's API takes any Data as clientDataHash (apps normally pass a SHA-256), and so does this.
  const checkHash = (clientDataHash: Uint8Array) => {
    if (!(clientDataHash instanceof Uint8Array)) throw new TypeError('clientDataHash must be a Uint8Array');
  };

  return {
    keyId: keyHash.toString('base64'),
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
    get counter() {
      return counter;
    },
    attest(clientDataHash) {
      checkHash(clientDataHash);
      const coseKey = encodeCBOR(
        new Map<number, CBORType>([
          [1, 2], // kty: EC2
          [3, -7], // alg: ES256
          [-1, 1], // crv: P-256
          [-2, plain(x)],
          [-3, plain(y)],
        ]),
      );
      const extensions =
        options.authDataExtensions === undefined ? [] : [encodeCBOR(options.authDataExtensions)];
      const credentialIdLength = Buffer.alloc(2);
      credentialIdLength.writeUInt16BE(keyHash.byteLength);
      const authData = Buffer.concat([
        rpIdHash,
        Buffer.from([FLAG_AT | (extensions.length > 0 ? FLAG_ED : 0)]),
        counterBytes(0),
        AAGUID[environment],
        credentialIdLength,
        keyHash,
        coseKey,
        ...extensions,
      ]);
      const nonce = sha256(authData, clientDataHash);
      const at = now();
      const credential = authority.issueCredentialCertificate({
        publicKey,
        commonName: keyHash.toString('hex'),
        nonce,
        notBefore: new Date(at - DAY_MS),
        notAfter: new Date(at + 2 * DAY_MS),
        ...(options.certificateExtensions === undefined ? {} : { extensions: options.certificateExtensions }),
      });
      return encodeCBOR(
        new Map<string, CBORType>([
          ['fmt', 'apple-appattest'],
          [
            'attStmt',
            new Map<string, CBORType>([
              ['x5c', [plain(credential), plain(authority.intermediateDer)]],
              ['receipt', plain(TEST_RECEIPT)],
            ]),
          ],
          ['authData', plain(authData)],
        ]),
      );
    },
    assert(clientDataHash) {
      checkHash(clientDataHash);
      counter += 1;
      // Apple sets the AT flag in assertions too, without credential data.
      const authenticatorData = Buffer.concat([rpIdHash, Buffer.from([FLAG_AT]), counterBytes(counter)]);
      const nonce = sha256(authenticatorData, clientDataHash);
      const signature = sign('sha256', nonce, { key: privateKey, dsaEncoding: 'der' });
      return encodeCBOR(
        new Map<string, CBORType>([
          ['signature', plain(signature)],
          ['authenticatorData', plain(authenticatorData)],
        ]),
      );
    },
  };
}
