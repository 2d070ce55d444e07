import { ASSURANCE_LEVELS, EVIDENCE_TYPES, type Platform } from '@portcullis/protocol';
import type {
  AuditDecision,
  AuditEvent,
  AuditQuery,
  AuditRecord,
  AuditSummaryQuery,
  DeviceAttestation,
  IssuedChallenge,
  NewDevice,
  StoredDebugCredential,
} from './ports.js';

/**
 * Argument checks shared by every adapter, so that all of them refuse the same inputs the same
 * way: a TypeError naming the argument (a caller bug, never a store outage). Messages name the
 * argument and never echo its value, which may be a challenge or a replay key.
 */

/** Longest challenge, key id or replay key accepted (characters). */
export const MAX_KEY_LENGTH = 1024;
/** Largest page a `list` or `query` may ask for. */
export const MAX_PAGE_SIZE = 1000;

export const PLATFORMS = ['ios', 'android', 'debug'] as const satisfies readonly Platform[];
export const AUDIT_DECISIONS = [
  'allow',
  'deny',
  'limit',
  'error',
] as const satisfies readonly AuditDecision[];
export const AUDIT_EVENTS = [
  'gateway',
  'challenge',
  'attest',
  'assert',
  'admin',
] as const satisfies readonly AuditEvent[];

// Compile-time proof that the lists above name every member of the port's unions.
const everyListed: [
  Exclude<Platform, (typeof PLATFORMS)[number]>,
  Exclude<AuditDecision, (typeof AUDIT_DECISIONS)[number]>,
  Exclude<AuditEvent, (typeof AUDIT_EVENTS)[number]>,
] extends [never, never, never]
  ? true
  : false = true;
void everyListed;

function fail(name: string, expected: string): never {
  throw new TypeError(`${name} must be ${expected}`);
}

export function assertKey(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    fail(name, `a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
}

/**
 * For lookups by a value that may come from a client (a challenge, a key id): a non-string is a
 * caller bug (TypeError), while an empty or over-long string simply cannot be stored, so the
 * lookup answers "not found" (false here) without touching the store.
 */
export function isStorableKey(name: string, value: unknown): value is string {
  if (typeof value !== 'string') fail(name, 'a string');
  return value.length > 0 && value.length <= MAX_KEY_LENGTH;
}

export function assertText(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') fail(name, 'a string');
}

function assertNullableText(name: string, value: unknown): asserts value is string | null {
  if (value !== null && typeof value !== 'string') fail(name, 'a string or null');
}

/** Epoch milliseconds: a non-negative safe integer. */
export function assertTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(name, 'epoch milliseconds (a non-negative safe integer)');
  }
}

export function assertTtl(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(name, 'a positive safe integer of milliseconds');
  }
}

export function assertCounter(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(name, 'a non-negative safe integer');
  }
}

export function assertLimit(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    fail('limit', `an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function assertIssuedChallenge(record: unknown): asserts record is IssuedChallenge {
  if (!isPlainObject(record)) fail('challenge record', 'an object');
  assertKey('challenge', record['challenge']);
  assertKey('appId', record['appId']);
  assertTime('expiresAt', record['expiresAt']);
}

/** Longest `DeviceAttestation.policy` text accepted (characters). */
export const MAX_ATTESTATION_POLICY_LENGTH = 4096;

export function assertDeviceAttestation(value: unknown): asserts value is DeviceAttestation | null {
  if (value === null) return;
  if (!isPlainObject(value)) fail('attestation', 'an object or null');
  const evidence = value['evidence'];
  if (
    !Array.isArray(evidence) ||
    evidence.length === 0 ||
    evidence.some((kind) => !(EVIDENCE_TYPES as readonly unknown[]).includes(kind)) ||
    new Set(evidence).size !== evidence.length
  ) {
    fail(
      'attestation.evidence',
      `a non-empty list of distinct evidence kinds (${EVIDENCE_TYPES.join(' | ')})`,
    );
  }
  const environment = value['environment'];
  if (environment !== null && environment !== 'development' && environment !== 'production') {
    fail('attestation.environment', 'development | production | null');
  }
  const policy = value['policy'];
  if (typeof policy !== 'string' || policy.length > MAX_ATTESTATION_POLICY_LENGTH) {
    fail('attestation.policy', `a string of at most ${MAX_ATTESTATION_POLICY_LENGTH} characters`);
  }
}

/** The attestation as every adapter stores and returns it: a copy, evidence in EVIDENCE_TYPES order. */
export function normaliseAttestation(value: DeviceAttestation | null): DeviceAttestation | null {
  if (value === null) return null;
  return {
    evidence: EVIDENCE_TYPES.filter((kind) => value.evidence.includes(kind)),
    environment: value.environment,
    policy: value.policy,
  };
}

/** Reads an attestation stored as JSON text by an adapter; a row that does not parse counts as none. */
export function decodeStoredAttestation(stored: unknown): DeviceAttestation | null {
  if (stored === null || stored === undefined) return null;
  try {
    const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
    assertDeviceAttestation(value);
    return normaliseAttestation(value);
  } catch {
    // An unreadable record cannot be re-checked: treated like an older row (must attest again).
    return null;
  }
}

export function assertNewDevice(device: unknown): asserts device is NewDevice {
  if (!isPlainObject(device)) fail('device', 'an object');
  assertKey('keyId', device['keyId']);
  assertKey('appId', device['appId']);
  if (!(PLATFORMS as readonly unknown[]).includes(device['platform']))
    fail('platform', PLATFORMS.join(' | '));
  if (!(ASSURANCE_LEVELS as readonly unknown[]).includes(device['level']))
    fail('level', ASSURANCE_LEVELS.join(' | '));
  const jwk = device['publicKeyJwk'];
  if (!isPlainObject(jwk) || typeof jwk['kty'] !== 'string') fail('publicKeyJwk', 'a JWK object with a kty');
  assertCounter('counter', device['counter']);
  const receipt = device['receipt'];
  if (receipt !== null && !(receipt instanceof Uint8Array)) fail('receipt', 'a Uint8Array or null');
  if (typeof device['testRoot'] !== 'boolean') fail('testRoot', 'a boolean');
  assertDeviceAttestation(device['attestation']);
  assertTime('firstSeen', device['firstSeen']);
}

export function assertDeviceQuery(
  query: unknown,
): asserts query is { appId?: string; limit: number; afterKeyId?: string } {
  if (!isPlainObject(query)) fail('query', 'an object');
  assertLimit(query['limit']);
  if (query['appId'] !== undefined) assertKey('appId', query['appId']);
  if (query['afterKeyId'] !== undefined) assertKey('afterKeyId', query['afterKeyId']);
}

const NULLABLE_TEXT_FIELDS = [
  'reason',
  'appId',
  'routeId',
  'method',
  'path',
  'clientIp',
  'deviceIdHash',
  'userIdHash',
  'tokenJti',
  'level',
] as const satisfies readonly (keyof AuditRecord)[];

export function assertAuditRecord(record: unknown): asserts record is AuditRecord {
  if (!isPlainObject(record)) fail('audit record', 'an object');
  assertTime('ts', record['ts']);
  assertText('requestId', record['requestId']);
  assertText('instance', record['instance']);
  if (!(AUDIT_EVENTS as readonly unknown[]).includes(record['event']))
    fail('event', AUDIT_EVENTS.join(' | '));
  if (!(AUDIT_DECISIONS as readonly unknown[]).includes(record['decision'])) {
    fail('decision', AUDIT_DECISIONS.join(' | '));
  }
  assertText('code', record['code']);
  for (const field of NULLABLE_TEXT_FIELDS) assertNullableText(field, record[field]);
  const status = record['upstreamStatus'];
  if (status !== null && (typeof status !== 'number' || !Number.isSafeInteger(status))) {
    fail('upstreamStatus', 'an integer or null');
  }
  const latency = record['latencyMs'];
  if (latency !== null && (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0)) {
    fail('latencyMs', 'a finite non-negative number or null');
  }
  const details = record['details'];
  if (details === null) return;
  if (!isPlainObject(details)) fail('details', 'an object or null');
  for (const value of Object.values(details)) {
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) fail('details values', 'strings, finite numbers or booleans');
  }
}

export function assertAuditQuery(query: unknown): asserts query is AuditQuery {
  if (!isPlainObject(query)) fail('query', 'an object');
  assertLimit(query['limit']);
  if (query['since'] !== undefined) assertTime('since', query['since']);
  if (query['until'] !== undefined) assertTime('until', query['until']);
  for (const field of ['requestId', 'deviceIdHash', 'routeId', 'reason'] as const) {
    if (query[field] !== undefined) assertText(field, query[field]);
  }
  const decision = query['decision'];
  if (decision !== undefined && !(AUDIT_DECISIONS as readonly unknown[]).includes(decision)) {
    fail('decision', AUDIT_DECISIONS.join(' | '));
  }
  const event = query['event'];
  if (event !== undefined && !(AUDIT_EVENTS as readonly unknown[]).includes(event)) {
    fail('event', AUDIT_EVENTS.join(' | '));
  }
}

/** The JWK as every adapter stores it: its JSON form (so memory and SQL adapters agree). */
export function normaliseJwk(jwk: NewDevice['publicKeyJwk']): NewDevice['publicKeyJwk'] {
  return JSON.parse(JSON.stringify(jwk)) as NewDevice['publicKeyJwk'];
}

export function assertAuditSummaryQuery(query: unknown): asserts query is AuditSummaryQuery {
  if (!isPlainObject(query)) fail('summary query', 'an object');
  assertTime('since', query['since']);
  assertTime('until', query['until']);
  const bucket = query['bucketMs'];
  if (typeof bucket !== 'number' || !Number.isSafeInteger(bucket) || bucket < 1000) {
    fail('bucketMs', 'an integer of at least 1000');
  }
}

const HEX = /^[0-9a-f]{16,128}$/;

export function assertStoredDebugCredential(value: unknown): asserts value is StoredDebugCredential {
  if (!isPlainObject(value)) fail('debug credential', 'an object');
  assertKey('id', value['id']);
  assertKey('appId', value['appId']);
  assertText('name', value['name']);
  if (typeof value['keyedHash'] !== 'string' || !HEX.test(value['keyedHash']))
    fail('keyedHash', 'lower-case hex');
  const audiences = value['audiences'];
  if (audiences !== null) {
    if (!Array.isArray(audiences) || audiences.length === 0) fail('audiences', 'a non-empty array or null');
    for (const audience of audiences) assertKey('audiences[]', audience);
  }
  assertTime('createdAt', value['createdAt']);
  assertTime('expiresAt', value['expiresAt']);
  if (value['revokedAt'] !== null) assertTime('revokedAt', value['revokedAt']);
}

/** The summary's detail fields of one record: strings only, anything else null. */
export function summaryDetails(details: AuditRecord['details']): {
  platform: string | null;
  appVersion: string | null;
  wouldRefuse: string | null;
} {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    platform: text(details?.['platform']),
    appVersion: text(details?.['appVersion']),
    wouldRefuse: text(details?.['wouldRefuse']),
  };
}
