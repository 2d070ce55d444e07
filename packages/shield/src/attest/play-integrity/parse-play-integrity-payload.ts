import type { VerificationFailure } from '../contract.js';
import { isPlainObject } from './lib/compact.js';
import { playFailure } from './lib/play-failure.js';

/**
 * The parts of Google's integrity verdict the shield reads ("Integrity verdicts" page), typed.
 * Unknown fields are ignored; Google adds new ones over time.
 */
export interface PlayIntegrityPayload {
  requestDetails: {
    /** Google notes this field "might be spoofed": appIntegrity.packageName is checked as well. */
    requestPackageName: string;
    /** When the token was requested (Google sends an int64 as a decimal string). */
    timestampMillis: number;
    /** Classic requests: the nonce exactly as the app passed it. */
    nonce?: string;
    /** Standard requests: the requestHash exactly as the app passed it. */
    requestHash?: string;
  };
  appIntegrity: {
    appRecognitionVerdict: string;
    /** Absent when appRecognitionVerdict is UNEVALUATED. */
    packageName?: string;
    /** base64url SHA-256 digests of the signing certificates; absent when UNEVALUATED. */
    certificateSha256Digest?: string[];
    versionCode?: string;
  };
  deviceIntegrity: {
    /** Empty when the device meets no integrity level (Google then omits the field). */
    deviceRecognitionVerdict: string[];
    recentDeviceActivity?: { deviceActivityLevel: string };
    deviceAttributes?: { sdkVersion?: number };
  };
  accountDetails: { appLicensingVerdict: string };
  environmentDetails?: {
    appAccessRiskVerdict?: { appsDetected: string[] };
    playProtectVerdict?: string;
  };
}

export type PlayIntegrityPayloadResult = { ok: true; payload: PlayIntegrityPayload } | VerificationFailure;

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

class Malformed extends Error {}

/**
 * Reads a decoded verdict (from either decoder) into PlayIntegrityPayload, refusing missing
 * sections and wrong types with play_payload_malformed. A pure decoder: it judges nothing.
 */
export function parsePlayIntegrityPayload(value: unknown): PlayIntegrityPayloadResult {
  try {
    return { ok: true, payload: read(value) };
  } catch (error) {
    if (error instanceof Malformed) return playFailure('play_payload_malformed', error.message);
    throw error;
  }
}

function read(value: unknown): PlayIntegrityPayload {
  const root = object(value, 'payload');
  const request = object(root['requestDetails'], 'requestDetails');
  const app = object(root['appIntegrity'], 'appIntegrity');
  const device = object(root['deviceIntegrity'], 'deviceIntegrity');
  const account = object(root['accountDetails'], 'accountDetails');

  const requestDetails: PlayIntegrityPayload['requestDetails'] = {
    requestPackageName: string(request['requestPackageName'], 'requestDetails.requestPackageName'),
    timestampMillis: integer(request['timestampMillis'], 'requestDetails.timestampMillis'),
  };
  const nonce = optional(request['nonce'], 'requestDetails.nonce', string);
  if (nonce !== undefined) requestDetails.nonce = nonce;
  const requestHash = optional(request['requestHash'], 'requestDetails.requestHash', string);
  if (requestHash !== undefined) requestDetails.requestHash = requestHash;

  const appIntegrity: PlayIntegrityPayload['appIntegrity'] = {
    appRecognitionVerdict: string(app['appRecognitionVerdict'], 'appIntegrity.appRecognitionVerdict'),
  };
  const packageName = optional(app['packageName'], 'appIntegrity.packageName', string);
  if (packageName !== undefined) appIntegrity.packageName = packageName;
  const digests = optional(app['certificateSha256Digest'], 'appIntegrity.certificateSha256Digest', strings);
  if (digests !== undefined) appIntegrity.certificateSha256Digest = digests;
  const versionCode = optional(app['versionCode'], 'appIntegrity.versionCode', integer);
  if (versionCode !== undefined) appIntegrity.versionCode = String(versionCode);

  const deviceIntegrity: PlayIntegrityPayload['deviceIntegrity'] = {
    deviceRecognitionVerdict:
      optional(device['deviceRecognitionVerdict'], 'deviceIntegrity.deviceRecognitionVerdict', strings) ?? [],
  };
  const activity = optional(device['recentDeviceActivity'], 'deviceIntegrity.recentDeviceActivity', object);
  if (activity !== undefined) {
    deviceIntegrity.recentDeviceActivity = {
      deviceActivityLevel: string(
        activity['deviceActivityLevel'],
        'recentDeviceActivity.deviceActivityLevel',
      ),
    };
  }
  const attributes = optional(device['deviceAttributes'], 'deviceIntegrity.deviceAttributes', object);
  if (attributes !== undefined) {
    const sdkVersion = optional(attributes['sdkVersion'], 'deviceAttributes.sdkVersion', integer);
    deviceIntegrity.deviceAttributes = sdkVersion === undefined ? {} : { sdkVersion };
  }

  const payload: PlayIntegrityPayload = {
    requestDetails,
    appIntegrity,
    deviceIntegrity,
    accountDetails: {
      appLicensingVerdict: string(account['appLicensingVerdict'], 'accountDetails.appLicensingVerdict'),
    },
  };

  const environment = optional(root['environmentDetails'], 'environmentDetails', object);
  if (environment !== undefined) {
    const environmentDetails: NonNullable<PlayIntegrityPayload['environmentDetails']> = {};
    const risk = optional(
      environment['appAccessRiskVerdict'],
      'environmentDetails.appAccessRiskVerdict',
      object,
    );
    if (risk !== undefined) {
      // An unevaluated verdict has no appsDetected (older formats carried other fields only).
      const detected = optional(risk['appsDetected'], 'appAccessRiskVerdict.appsDetected', strings);
      if (detected !== undefined) environmentDetails.appAccessRiskVerdict = { appsDetected: detected };
    }
    const protect = optional(
      environment['playProtectVerdict'],
      'environmentDetails.playProtectVerdict',
      string,
    );
    if (protect !== undefined) environmentDetails.playProtectVerdict = protect;
    payload.environmentDetails = environmentDetails;
  }
  return payload;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Malformed(`${path} is missing or not an object`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1_024) {
    throw new Malformed(`${path} is missing or not a non-empty string`);
  }
  return value;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length > 64) throw new Malformed(`${path} is not a list of strings`);
  return value.map((item) => string(item, `${path}[]`));
}

/** Protobuf JSON sends int64 as a decimal string and int32 as a number: accept both. */
function integer(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw new Malformed(`${path} is missing or not a non-negative integer`);
}

function optional<T>(
  value: unknown,
  path: string,
  reader: (value: unknown, path: string) => T,
): T | undefined {
  return value === undefined || value === null ? undefined : reader(value, path);
}
