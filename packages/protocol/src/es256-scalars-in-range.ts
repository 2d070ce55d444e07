// Order n of the P-256 group (SEC 2 §2.4.2), big-endian.
const P256_ORDER = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6,
  0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
]);

/** True when the 32 bytes at `offset` are a big-endian scalar in [1, n-1]. */
function inRange(signature: Uint8Array, offset: number): boolean {
  let zero = true;
  let below: boolean | undefined;
  for (let i = 0; i < 32; i++) {
    const byte = signature[offset + i]!;
    if (byte !== 0) zero = false;
    if (below === undefined && byte !== P256_ORDER[i]) below = byte < P256_ORDER[i]!;
  }
  return !zero && below === true;
}

/**
 * True when a 64-byte ES256 signature (IEEE P1363 `r‖s`) has both `r` and `s` in [1, n-1]
 * (FIPS 186-5 §6.4.2 step 1). Crypto libraries check this too; checking it before them keeps the
 * CVE-2022-21449 "psychic signature" class (r = s = 0) out whatever the library does. Public
 * data, so no constant-time concern.
 *
 * @example
 * ```ts
 * if (!es256ScalarsInRange(signature)) return false;
 * ```
 */
export function es256ScalarsInRange(signature: Uint8Array): boolean {
  return signature.length === 64 && inRange(signature, 0) && inRange(signature, 32);
}
