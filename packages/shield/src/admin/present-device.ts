import type { AssuranceLevel, JsonWebKeyLike, Platform } from '@portcullis/protocol';
import type { DeviceAttestation, DeviceRecord } from '../stores/index.js';

/** A device as the admin API shows it. Times are epoch milliseconds, as the stores keep them. */
export interface DeviceView {
  keyId: string;
  appId: string;
  platform: Platform;
  level: AssuranceLevel;
  /** The device's public key (public material only). */
  publicKeyJwk: JsonWebKeyLike;
  counter: number;
  /** Whether an App Attest receipt is stored (the receipt itself is not shown). */
  hasReceipt: boolean;
  testRoot: boolean;
  /** What was attested (evidence kinds, App Attest environment, policy text); null for an older row. */
  attestation: DeviceAttestation | null;
  firstSeen: number;
  lastSeen: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

// The public members of EC, OKP and RSA keys; a private member (`d`, `p`, ...) never leaves.
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use'] as const;

function publicMembers(jwk: JsonWebKeyLike): JsonWebKeyLike {
  const shown: JsonWebKeyLike = { kty: jwk.kty };
  for (const member of PUBLIC_JWK_MEMBERS) {
    const value = jwk[member];
    if (typeof value === 'string') shown[member] = value;
  }
  return shown;
}

/**
 * The admin API's view of a device record: every field named explicitly (so a field added to
 * the store later is not shown by accident), only the public members of the key, and the receipt
 * reduced to whether there is one.
 *
 * @example
 * ```ts
 * JSON.stringify({ device: presentDevice(record) });
 * ```
 */
export function presentDevice(record: DeviceRecord): DeviceView {
  return {
    keyId: record.keyId,
    appId: record.appId,
    platform: record.platform,
    level: record.level,
    publicKeyJwk: publicMembers(record.publicKeyJwk),
    counter: record.counter,
    hasReceipt: record.receipt !== null,
    testRoot: record.testRoot,
    attestation:
      record.attestation === null
        ? null
        : {
            evidence: [...record.attestation.evidence],
            environment: record.attestation.environment,
            policy: record.attestation.policy,
          },
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    revokedAt: record.revokedAt,
    revokedReason: record.revokedReason,
  };
}
