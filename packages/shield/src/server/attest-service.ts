import { randomBytes } from 'node:crypto';
import {
  ASSURANCE_LEVELS,
  type AssertRequest,
  type AssuranceLevel,
  type AttestRequest,
  type AttestResponse,
  authorizationBindingHash,
  type ChallengeResponse,
  type Evidence,
  type JsonWebKeyLike,
  type Platform,
  type TokenResponse,
} from '@portcullis/protocol';
import type { VerifiedEvidence } from '../attest/contract.js';
import type { Clock } from '../clock.js';
import { ShieldError } from '../errors.js';
import type { DeviceRecord, Stores } from '../stores/ports.js';
import type { AppPolicy } from './app-policy.js';
import { attestationRecord, deviceStanding } from './device-standing.js';
import type { EvidenceVerifiers } from './evidence-verifiers.js';

/** The platform an evidence kind speaks for, recorded in audit details for the console. */
const EVIDENCE_PLATFORMS = {
  'apple-app-attest': 'ios',
  'android-key-attestation': 'android',
  'play-integrity': 'android',
  debug: 'debug',
} as const;

/** A debug credential may narrow the audiences of the tokens it yields (its `scope`). */
function audiencesFor(app: AppPolicy, verified: readonly VerifiedEvidence[]): string[] {
  const debug = verified.find((item) => item.type === 'debug');
  if (debug?.facts['credentialSource'] === 'console') {
    const scope = debug.facts['credentialScope'];
    if (typeof scope !== 'string') return [...app.audiences];
    const allowed = scope.split(' ');
    const scoped = app.audiences.filter((audience) => allowed.includes(audience));
    if (scoped.length === 0) throw new ShieldError('evidence_invalid', 'debug_scope_empty');
    return scoped;
  }
  const credential = app.debugCredentials.find((c) => c.name === debug?.facts['credential']);
  if (credential?.audiences === undefined) return [...app.audiences];
  const scoped = app.audiences.filter((audience) => credential.audiences!.includes(audience));
  if (scoped.length === 0) throw new ShieldError('evidence_invalid', 'debug_scope_empty');
  return scoped;
}

/** The confirmation key exactly as tokens carry it: the public EC point, nothing else (RFC 7800). */
function confirmationJwk(jwk: JsonWebKeyLike): JsonWebKeyLike {
  const { kty, crv, x, y } = jwk;
  return {
    kty,
    ...(crv !== undefined ? { crv } : {}),
    ...(x !== undefined ? { x } : {}),
    ...(y !== undefined ? { y } : {}),
  };
}

/** What the service needs from the token issuer. */
export interface TokenMinter {
  issue(claims: {
    sub: string;
    aud: string[];
    plt: Platform;
    lvl: AssuranceLevel;
    cnf?: { kid: string; jwk: JsonWebKeyLike };
    dev?: true;
    ath?: string;
    ttlSeconds: number;
  }): Promise<{ token: string; expiresIn: number; jti: string; exp: number }>;
}

/** Verifies an assertion by a registered device key; returns the new counter, if the platform has one. */
export type AssertionVerifier = (input: {
  assertion: string;
  challenge: string;
  device: DeviceRecord;
  app: AppPolicy;
}) => AssertionResult | Promise<AssertionResult>;

type AssertionResult = { ok: true; counter?: number } | { ok: false; code: string; message: string };

export type AssertionVerifiers = Record<'ios' | 'android', AssertionVerifier>;

/** The audit-relevant outcome of a call, filled in as the call proceeds. */
export interface AttestOutcome {
  appId: string | null;
  keyId: string | null;
  level: AssuranceLevel | null;
  jti: string | null;
  details: Record<string, string | number | boolean>;
  /** The device's platform, once known (for metrics). */
  platform?: string;
}

export interface AttestServiceOptions {
  apps: ReadonlyMap<string, AppPolicy>;
  stores: Pick<Stores, 'challenges' | 'devices'>;
  tokens: TokenMinter;
  evidenceVerifiers: EvidenceVerifiers;
  assertionVerifiers: AssertionVerifiers;
  clock: Clock;
  challengeTtlSeconds: number;
  /** Only a development-mode shield accepts evidence that chains to a test-kit root. */
  developmentMode: boolean;
}

/**
 * The attestation endpoints' logic (protocol §2), free of HTTP: challenge issue, first
 * attestation of a device key, and the cheap assertion refresh. Every failure is a ShieldError
 * whose `reason` is the precise audit sub-code; clients only see the stable `code`.
 */
export function createAttestService(options: AttestServiceOptions) {
  const { apps, stores, tokens, clock } = options;

  function appFor(appId: string, outcome: AttestOutcome): AppPolicy {
    const app = apps.get(appId);
    if (app === undefined) throw new ShieldError('app_unknown', 'app_unknown');
    outcome.appId = appId;
    return app;
  }

  async function consumeChallenge(challenge: string, appId: string): Promise<void> {
    // Consumed first, whatever the outcome: a challenge is good for one try (protocol §2).
    const issued = await stores.challenges.consume(challenge, clock.now());
    if (issued === null) throw new ShieldError('challenge_invalid', 'challenge_unknown_or_expired');
    if (issued.appId !== appId) throw new ShieldError('challenge_invalid', 'challenge_other_app');
  }

  async function challenge(appId: string, outcome: AttestOutcome): Promise<ChallengeResponse> {
    appFor(appId, outcome);
    const value = randomBytes(32).toString('base64url');
    const now = clock.now();
    await stores.challenges.issue(
      { challenge: value, appId, expiresAt: now + options.challengeTtlSeconds * 1000 },
      now,
    );
    return { challenge: value, expiresIn: options.challengeTtlSeconds };
  }

  async function verifyAll(
    request: AttestRequest,
    app: AppPolicy,
    outcome: AttestOutcome,
  ): Promise<VerifiedEvidence[]> {
    const at = new Date(clock.now());
    const verified: VerifiedEvidence[] = [];
    for (const evidence of request.evidence as Evidence[]) {
      if (evidence.type !== 'client-signals')
        outcome.details['platform'] ??= EVIDENCE_PLATFORMS[evidence.type];
      if (!app.evidence.has(evidence.type)) {
        throw new ShieldError('evidence_invalid', 'evidence_type_not_allowed', {
          message: `${evidence.type} evidence is not allowed for app ${app.appId}`,
        });
      }
      const result = await options.evidenceVerifiers[evidence.type](evidence, {
        app,
        challenge: request.challenge,
        at,
      });
      if (!result.ok) {
        outcome.details[`${evidence.type}_failed_step`] =
          result.steps.find((s) => s.verdict === 'fail')?.step ?? 'decode';
        if (result.kind === 'unavailable') {
          throw new ShieldError('attestation_unavailable', result.code, {
            retryAfter: 30,
            message: result.message,
          });
        }
        throw new ShieldError('evidence_invalid', result.code, { message: result.message });
      }
      if (result.evidence.testRoot && !options.developmentMode) {
        throw new ShieldError('evidence_invalid', 'test_root_in_production');
      }
      for (const [name, value] of Object.entries(result.evidence.facts)) outcome.details[name] = value;
      verified.push(result.evidence);
    }
    if (verified.every((item) => item.type === 'client-signals')) {
      throw new ShieldError('evidence_invalid', 'client_signals_alone');
    }
    return verified;
  }

  async function attest(request: AttestRequest, outcome: AttestOutcome): Promise<AttestResponse> {
    const app = appFor(request.appId, outcome);
    await consumeChallenge(request.challenge, request.appId);
    const verified = await verifyAll(request, app, outcome);
    const keyed = verified.filter((item) => item.keyId !== undefined);
    if (keyed.length > 1) throw new ShieldError('evidence_invalid', 'several_device_keys');
    const primary = keyed[0] ?? verified.find((item) => item.type !== 'client-signals')!;
    // Every piece of evidence must support the level: the token gets the weakest one.
    const level = verified.reduce<AssuranceLevel>(
      (lowest, item) =>
        ASSURANCE_LEVELS.indexOf(item.level) < ASSURANCE_LEVELS.indexOf(lowest) ? item.level : lowest,
      'hardware',
    );
    const testRoot = verified.some((item) => item.testRoot);
    outcome.level = level;
    outcome.platform = primary.platform;
    if (primary.keyId !== undefined && primary.publicKeyJwk !== undefined) {
      outcome.keyId = primary.keyId;
      const now = clock.now();
      const registered = await stores.devices.register({
        keyId: primary.keyId,
        appId: app.appId,
        platform: primary.platform,
        level,
        publicKeyJwk: primary.publicKeyJwk,
        counter: primary.counter ?? 0,
        receipt: primary.receipt ?? null,
        testRoot,
        attestation: attestationRecord(app, verified),
        firstSeen: now,
      });
      if (registered === 'exists') throw new ShieldError('evidence_invalid', 'key_already_registered');
    }
    const minted = await tokens.issue({
      sub: app.appId,
      aud: audiencesFor(app, verified),
      plt: primary.platform,
      lvl: level,
      ...(primary.keyId !== undefined && primary.publicKeyJwk !== undefined
        ? { cnf: { kid: primary.keyId, jwk: confirmationJwk(primary.publicKeyJwk) } }
        : {}),
      ...(testRoot ? { dev: true as const } : {}),
      ttlSeconds: app.tokenTtlSeconds,
    });
    outcome.jti = minted.jti;
    return {
      token: minted.token,
      expiresIn: minted.expiresIn,
      ...(primary.keyId !== undefined ? { keyId: primary.keyId } : {}),
    };
  }

  async function assert(
    request: AssertRequest & { bindAuthorization?: boolean | undefined },
    outcome: AttestOutcome,
    authorization?: string,
  ): Promise<TokenResponse> {
    const app = appFor(request.appId, outcome);
    await consumeChallenge(request.challenge, request.appId);
    outcome.keyId = request.keyId;
    const device = await stores.devices.get(request.keyId);
    if (device === null) throw new ShieldError('evidence_invalid', 'device_unknown');
    outcome.platform = device.platform;
    if (device.appId !== app.appId) throw new ShieldError('evidence_invalid', 'device_other_app');
    if (device.revokedAt !== null) throw new ShieldError('device_revoked', 'device_revoked');
    if (device.testRoot && !options.developmentMode)
      throw new ShieldError('evidence_invalid', 'test_root_in_production');
    // What was attested must still stand under today's policy: a refresh never keeps what the
    // current config would no longer give (the client answers evidence_invalid by attesting again).
    const standing = deviceStanding(device, app, clock.now());
    if (standing !== null) throw new ShieldError('evidence_invalid', standing);
    if (device.platform !== 'ios' && device.platform !== 'android') {
      throw new ShieldError('evidence_invalid', 'device_platform_unsupported');
    }
    const result = await options.assertionVerifiers[device.platform]({
      assertion: request.assertion,
      challenge: request.challenge,
      device,
      app,
    });
    if (!result.ok) throw new ShieldError('evidence_invalid', result.code, { message: result.message });
    const now = clock.now();
    if (result.counter !== undefined) {
      // Compare-and-set: of two assertions with one counter value, only one can pass.
      const advanced = await stores.devices.advanceCounter(device.keyId, result.counter, now);
      if (!advanced) throw new ShieldError('evidence_invalid', 'apple_counter_not_increasing');
    } else {
      await stores.devices.touch(device.keyId, now);
    }
    outcome.level = device.level;
    outcome.details['platform'] = device.platform;
    let ath: string | undefined;
    if (request.bindAuthorization === true) {
      if (authorization === undefined)
        throw new ShieldError('bad_request', 'binding_authorization_missing', {
          message: 'bindAuthorization needs an Authorization header',
        });
      try {
        ath = authorizationBindingHash(authorization);
      } catch {
        throw new ShieldError('bad_request', 'binding_authorization_not_canonical', {
          message: 'the Authorization header cannot be bound (printable ASCII, no outer whitespace)',
        });
      }
    }
    const minted = await tokens.issue({
      sub: app.appId,
      aud: [...app.audiences],
      plt: device.platform,
      lvl: device.level,
      cnf: { kid: device.keyId, jwk: confirmationJwk(device.publicKeyJwk) },
      ...(device.testRoot ? { dev: true as const } : {}),
      ...(ath !== undefined ? { ath } : {}),
      ttlSeconds: app.tokenTtlSeconds,
    });
    outcome.jti = minted.jti;
    return { token: minted.token, expiresIn: minted.expiresIn };
  }

  return { challenge, attest, assert };
}

export type AttestService = ReturnType<typeof createAttestService>;
