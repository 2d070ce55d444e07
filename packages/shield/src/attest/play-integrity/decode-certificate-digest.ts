import { decodeBase64UrlStrict } from '../../encoding.js';

const HEX = /^[0-9A-Fa-f]{64}$/;
const HEX_COLONS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31}$/;
const BASE64_ANY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * Decodes a signing certificate SHA-256 digest written the way people find it: hex as Play
 * Console and `gradlew signingReport` print it (with or without colons, any case), or base64url
 * as the verdict's certificateSha256Digest carries it (standard base64 and padding tolerated).
 * Returns the 32 digest bytes, or undefined when the text is none of these.
 *
 * @example
 * decodeCertificateDigest('AB:CD:…:EF'); // Buffer(32)
 */
export function decodeCertificateDigest(text: string): Buffer | undefined {
  if (HEX.test(text)) return Buffer.from(text, 'hex');
  if (HEX_COLONS.test(text)) return Buffer.from(text.replaceAll(':', ''), 'hex');
  if (!BASE64_ANY.test(text)) return undefined;
  const bytes = decodeBase64UrlStrict(text.replace(/=$/, '').replaceAll('+', '-').replaceAll('/', '_'));
  return bytes?.length === 32 ? bytes : undefined;
}
