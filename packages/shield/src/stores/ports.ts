import type { AssuranceLevel, EvidenceType, JsonWebKeyLike, Platform } from '@portcullis/protocol';

/**
 * Store ports: small interfaces with atomic operations. Every adapter (memory, SQLite, Redis,
 * PostgreSQL) passes the one conformance suite in stores/conformance.ts. Times are epoch
 * milliseconds passed in by the caller; adapters never read the clock themselves, so TTLs and
 * expiry are decided by the caller's clock. Adapters throw StoreUnavailableError when the
 * backing service cannot be reached, and nothing else for I/O trouble.
 */

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface IssuedChallenge {
  challenge: string;
  appId: string;
  expiresAt: number;
}

export interface ChallengeStore {
  /**
   * Stores a fresh challenge. `now` (optional, epoch ms) is the caller's time: adapters that
   * expire entries lazily use it to free expired challenges before refusing a full store.
   */
  issue(record: IssuedChallenge, now?: number): Promise<void>;
  /**
   * Atomically removes the challenge and returns it when it existed and had not expired at
   * `now`; returns null otherwise. Two concurrent consumes of one challenge: exactly one wins.
   */
  consume(challenge: string, now: number): Promise<IssuedChallenge | null>;
}

/**
 * What was attested when a device key was registered, besides its level (`DeviceRecord.level`)
 * and time (`DeviceRecord.firstSeen`): refreshes and proofs re-check it against the app's current
 * policy, so a device keeps only what today's config would still give it.
 */
export interface DeviceAttestation {
  /** The evidence kinds verified (in EVIDENCE_TYPES order, each once). */
  evidence: EvidenceType[];
  /** The App Attest environment of the key; null when no App Attest evidence was verified. */
  environment: 'development' | 'production' | null;
  /**
   * The app's attestation policy that accepted the evidence, as canonical text (at most 4096
   * characters): a refresh under another policy text must attest again.
   */
  policy: string;
}

export interface DeviceRecord {
  keyId: string;
  appId: string;
  platform: Platform;
  level: AssuranceLevel;
  publicKeyJwk: JsonWebKeyLike;
  /** App Attest sign counter; 0 for key types without one. */
  counter: number;
  receipt: Uint8Array | null;
  /** True when registered from a test-kit root (development mode only). */
  testRoot: boolean;
  /**
   * What was attested. Null for a device registered before the shield recorded it (an older
   * store row): such a device cannot be re-checked, so it must attest again (fail closed).
   */
  attestation: DeviceAttestation | null;
  /** When the key was attested and registered (epoch ms). */
  firstSeen: number;
  lastSeen: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export type NewDevice = Omit<DeviceRecord, 'lastSeen' | 'revokedAt' | 'revokedReason'>;

export interface DeviceStore {
  /** Stores a key once. Returns 'exists' (and changes nothing) when the key id is registered. */
  register(device: NewDevice): Promise<'created' | 'exists'>;
  get(keyId: string): Promise<DeviceRecord | null>;
  /**
   * Compare-and-set of the sign counter: sets it to `next` and `lastSeen` to `now` only when the
   * stored counter is strictly below `next`. Returns false otherwise (rollback or a concurrent
   * winner). Key types without a counter use `touch` instead.
   */
  advanceCounter(keyId: string, next: number, now: number): Promise<boolean>;
  touch(keyId: string, now: number): Promise<void>;
  /** Marks the key revoked; returns false when the key id is unknown. */
  revoke(keyId: string, reason: string, now: number): Promise<boolean>;
  list(query: { appId?: string; limit: number; afterKeyId?: string }): Promise<DeviceRecord[]>;
}

export interface ReplayStore {
  /**
   * Records `key` until `now + ttlMs` and returns true when it was not already recorded (and
   * unexpired). Atomic: of two concurrent calls with one key, exactly one gets true.
   */
  firstSeen(key: string, ttlMs: number, now: number): Promise<boolean>;
}

export type AuditDecision = 'allow' | 'deny' | 'limit' | 'error';
export type AuditEvent = 'gateway' | 'challenge' | 'attest' | 'assert' | 'admin';

/**
 * One decision. Never holds a raw token, proof, Authorization value, injected secret or body:
 * identifiers of devices and users are hashes, tokens are referred to by `jti`.
 */
export interface AuditRecord {
  ts: number;
  requestId: string;
  instance: string;
  event: AuditEvent;
  decision: AuditDecision;
  /** Stable client-facing code, or 'ok'. */
  code: string;
  /** Precise audit-only sub-code (`apple_nonce_mismatch`), or null. */
  reason: string | null;
  appId: string | null;
  routeId: string | null;
  method: string | null;
  path: string | null;
  clientIp: string | null;
  deviceIdHash: string | null;
  userIdHash: string | null;
  tokenJti: string | null;
  level: string | null;
  upstreamStatus: number | null;
  latencyMs: number | null;
  /** Audit-safe details (evidence facts, debug credential name, ...). */
  details: Record<string, string | number | boolean> | null;
}

export interface AuditQuery {
  limit: number;
  since?: number;
  /** Records strictly before this time (epoch ms). */
  until?: number;
  requestId?: string;
  decision?: AuditDecision;
  event?: AuditEvent;
  deviceIdHash?: string;
  routeId?: string;
  reason?: string;
}

/**
 * The audit-detail fields the console reads across records (all optional, all audit-safe):
 * `platform` (the token's `plt`, or the attested platform), `appVersion` (as the app reported it),
 * and `wouldRefuse`: on a record of a route in monitor mode that let a request through, the
 * reason it would have been refused with under enforcement (its `decision` stays `allow`).
 */
export const AUDIT_SUMMARY_DETAILS = ['platform', 'appVersion', 'wouldRefuse'] as const;

/** Which records a summary counts, and the width of its time buckets. */
export interface AuditSummaryQuery {
  since: number;
  /** Records strictly before this time (epoch ms). */
  until: number;
  /** Width of a time bucket, ms (at least 1000). */
  bucketMs: number;
}

/** How many records share one bucket and one combination of the grouped fields. */
export interface AuditSummaryRow {
  /** Start of the bucket: `ts - ts % bucketMs`. */
  bucket: number;
  event: AuditEvent;
  decision: AuditDecision;
  code: string;
  reason: string | null;
  appId: string | null;
  routeId: string | null;
  level: string | null;
  platform: string | null;
  appVersion: string | null;
  wouldRefuse: string | null;
  count: number;
}

export interface AuditLog {
  append(record: AuditRecord): Promise<void>;
  /**
   * Optional: appends `records` in order as one atomic write (one transaction: all or none). The
   * audit writer batches through it when present; an adapter without it gets one append per record.
   */
  appendMany?(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first. */
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /**
   * Counts the records of `[since, until)` per time bucket and per event, decision, code,
   * reason, app, route, level and the details in AUDIT_SUMMARY_DETAILS (a detail that is not a
   * string counts as null): the console's overview, computed where the records are.
   */
  summarize(query: AuditSummaryQuery): Promise<AuditSummaryRow[]>;
  /**
   * Deletes every record with `ts` strictly before `olderThan` (epoch ms) and returns how many
   * were deleted: the retention job (B-10) calls it with `now - retention`.
   */
  prune(olderThan: number): Promise<number>;
}

/**
 * A debug credential issued at run time (by the admin console), beside the config's. Only a
 * keyed hash of the credential is kept; `id` names it in lists, audit records and revocation.
 */
export interface StoredDebugCredential {
  id: string;
  appId: string;
  /** Who holds it (audited with every use). */
  name: string;
  /** HMAC of the credential under the deployment's identifier key (hex). */
  keyedHash: string;
  /** When set, tokens minted with it carry only these of the app's audiences. */
  audiences: string[] | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface DebugCredentialStore {
  /** Stores a new credential; refuses (StoreError) an id or keyed hash that exists. */
  add(credential: StoredDebugCredential): Promise<void>;
  /** The credential with this keyed hash, revoked or expired ones included; null when none. */
  findByHash(keyedHash: string): Promise<StoredDebugCredential | null>;
  /** Newest first, at most `limit`. */
  list(query: { appId?: string; limit: number }): Promise<StoredDebugCredential[]>;
  /** Marks it revoked at `now` (the first revocation stands); false when the id is unknown. */
  revoke(id: string, now: number): Promise<boolean>;
}

/** All stores of one shield, plus lifecycle. */
export interface Stores {
  challenges: ChallengeStore;
  devices: DeviceStore;
  replay: ReplayStore;
  audit: AuditLog;
  debugCredentials: DebugCredentialStore;
  /** Resolves when every backing service answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
