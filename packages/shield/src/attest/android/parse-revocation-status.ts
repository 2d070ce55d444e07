import { z } from 'zod';
import { AndroidParseError } from './android-parse-error.js';

/** One entry of Google's attestation status list. */
export interface RevocationEntry {
  /** `REVOKED` or `SUSPENDED` in Google's format; any listed status refuses the certificate. */
  status: string;
  /** `KEY_COMPROMISE`, `CA_COMPROMISE`, `SUPERSEDED`, `SOFTWARE_FLAW`, `UNSPECIFIED`, ... */
  reason?: string;
  comment?: string;
  expires?: string;
}

/**
 * A decoded attestation status list: entries keyed by certificate serial number in lower-case
 * hex without leading zeros (the form Google uses, `BigInteger.toString(16)`).
 */
export interface RevocationStatus {
  readonly entries: ReadonlyMap<string, RevocationEntry>;
}

const entrySchema = z
  .object({
    status: z.string().min(1),
    reason: z.string().optional(),
    comment: z.string().optional(),
    expires: z.string().optional(),
  })
  .loose();
const listSchema = z.object({ entries: z.record(z.string(), entrySchema) }).loose();

const HEX = /^[0-9a-f]+$/;

/**
 * A certificate serial number (any case, with or without leading zeros, as Node's
 * X509Certificate.serialNumber gives it) in the status list's key form.
 *
 * @example normalizeSerialHex('0388266760658996860D') // '388266760658996860d'
 */
export function normalizeSerialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

/**
 * Decodes Google's attestation status list (https://android.googleapis.com/attestation/status):
 * `{"entries": {"<serial hex>": {"status": "REVOKED" | "SUSPENDED", "reason": ..., ...}}}`.
 * Accepts the JSON text or the already parsed value.
 *
 * @throws AndroidParseError with code `android_revocation_list_malformed` for anything else.
 * @example
 * const status = parseRevocationStatus(await (await fetch(url)).text());
 * findRevocationEntry(status, cert.serialNumber); // undefined when not listed
 */
export function parseRevocationStatus(json: unknown): RevocationStatus {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw new AndroidParseError('android_revocation_list_malformed', 'the status list is not JSON', {
        cause,
      });
    }
  }
  const parsed = listSchema.safeParse(value);
  if (!parsed.success) {
    throw new AndroidParseError(
      'android_revocation_list_malformed',
      'the status list does not have the entries map',
    );
  }
  const entries = new Map<string, RevocationEntry>();
  for (const [serial, entry] of Object.entries(parsed.data.entries)) {
    const key = normalizeSerialHex(serial);
    if (!HEX.test(key)) {
      throw new AndroidParseError(
        'android_revocation_list_malformed',
        'the status list has a key that is not hex',
      );
    }
    const clean: RevocationEntry = { status: entry.status };
    if (entry.reason !== undefined) clean.reason = entry.reason;
    if (entry.comment !== undefined) clean.comment = entry.comment;
    if (entry.expires !== undefined) clean.expires = entry.expires;
    entries.set(key, clean);
  }
  return { entries };
}

/** The status list entry of a certificate serial number (any hex form), if listed. */
export function findRevocationEntry(status: RevocationStatus, serial: string): RevocationEntry | undefined {
  return status.entries.get(normalizeSerialHex(serial));
}
