import {
  type AppTokenClaims,
  HEADER_PROOF,
  type JsonWebKeyLike,
  parseProofHeader,
  proofMessage,
} from '@portcullis/protocol';
import { PROOF_HEADER_REFUSAL_REASONS } from '@portcullis/protocol/verification';
import { sha256 } from '../encoding.js';
import type { GatewayCheck, GatewayCheckContext } from '../gateway/types.js';
import {
  type DeviceRecord,
  type DeviceStore,
  type ReplayStore,
  StoreUnavailableError,
} from '../stores/ports.js';
import { proofError } from './proof-error.js';
import type { ProofFailureCode } from './proof-failure-reasons.js';
import { proofReplayKey } from './proof-replay-key.js';
import { type ProofSigningKey, verifyProofSignature } from './verify-proof-signature.js';

/**
 * What a proof route does when the replay or device store cannot be reached.
 * - `refuse` (default): 503 `store_unavailable` with Retry-After. Fail closed.
 * - `allow-signature-only`: the signature and freshness are still verified; replays cannot be
 *   detected (except through the App Attest counter while the device store is up), and while the
 *   device store is down the key comes from the token's `cnf.jwk`, unchecked for revocation.
 *   Every such request is reported through `onDegraded`.
 */
export type ProofStoreOutageMode = 'refuse' | 'allow-signature-only';

/** The proof modes, for config validation and docs. */
export const PROOF_STORE_OUTAGE_MODES = [
  'refuse',
  'allow-signature-only',
] as const satisfies readonly ProofStoreOutageMode[];

/** Per-route proof policy. Every field falls back to the check's option of the same name. */
export interface ProofRoutePolicy {
  /** Allowed |ts - arrival| in seconds, 1 to 300 (a step-up route may want 10). */
  skewSeconds?: number;
  onStoreOutage?: ProofStoreOutageMode;
}

/** A request let through without a full check, because a store was down and the route allows it. */
export interface ProofDegradedEvent {
  requestId: string;
  routeId: string;
  reason: 'proof_degraded_replay_unchecked' | 'proof_degraded_device_unchecked';
}

/** Options of `createProofCheck`. Bad options throw a TypeError naming the option. */
export interface ProofCheckOptions {
  devices: DeviceStore;
  replay: ReplayStore;
  /** The routes that require a proof, by route id, with their policy; other routes pass untouched. */
  routes: ReadonlyMap<string, ProofRoutePolicy> | Readonly<Record<string, ProofRoutePolicy>>;
  /** The App IDs (`TEAMID.bundle.id`) of an app, for the rpIdHash of iOS proofs; [] when it has no ios section. */
  appIdsFor(appId: string): readonly string[];
  /** Default allowed |ts - arrival| in seconds, 1 to 300. Default 60. */
  skewSeconds?: number;
  /** Default outage mode of the routes. Default `refuse`. */
  onStoreOutage?: ProofStoreOutageMode;
  /** Retry-After of a 503, in seconds, 1 to 3600. Default 1. */
  retryAfterSeconds?: number;
  /** Accept keys registered from a test-kit root (development mode only). Default false. */
  allowTestRootDevices?: boolean;
  /**
   * Whether a registered device still stands under its app's current policy (what was attested,
   * its age): null when it does, else why not, and the proof is refused with `token_invalid`
   * (`proof_device_attestation_outdated`), so the client refreshes and attests again. The shield
   * passes the same function its refresh path uses. Absent: not checked.
   */
  deviceStanding?(device: DeviceRecord, now: number): string | null;
  /** Told about every degraded pass (audit it, count it). Must not throw; a throw is ignored. */
  onDegraded?(event: ProofDegradedEvent): void;
}

const DEFAULT_SKEW_SECONDS = 60;
/** Replay entries outlive the window by this much, so instances whose clocks differ by up to 1 s agree. */
const REPLAY_MARGIN_MS = 1000;

const STORE_OUTAGES: ReadonlySet<ProofFailureCode> = new Set([
  'proof_device_store_unavailable',
  'proof_replay_store_unavailable',
]);

interface RoutePlan {
  skewMs: number;
  replayTtlMs: number;
  degrade: boolean;
}

function seconds(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function outageMode(value: unknown, name: string, fallback: ProofStoreOutageMode): ProofStoreOutageMode {
  if (value === undefined) return fallback;
  if (!(PROOF_STORE_OUTAGE_MODES as readonly unknown[]).includes(value)) {
    throw new TypeError(`${name} must be one of ${PROOF_STORE_OUTAGE_MODES.join(', ')}`);
  }
  return value as ProofStoreOutageMode;
}

function sameKey(a: JsonWebKeyLike, b: JsonWebKeyLike): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;
}

function isSigningPlatform(platform: unknown): platform is 'ios' | 'android' {
  return platform === 'ios' || platform === 'android';
}

/**
 * The gateway check for per-request proofs (protocol §4), `phase: 'body'`. On a route listed in
 * `routes` it requires a `Portcullis-Proof` header and verifies, in order: the header parses
 * strictly; its ts is within ±skew of the request's arrival; the token carries `cnf`; the key is
 * registered for the token's app, with the same key and platform, not revoked; the signature over
 * the message rebuilt from the request as received (method, target, body, ts, token,
 * Authorization). Only then does it write: the proof goes into the replay store (key over the
 * message, §4.5; entries kept 2 × skew + 1 s) and, for App Attest, the counter is advanced with
 * an atomic compare-and-set. Refusals are `ShieldError`s with a sub-code of
 * `PROOF_FAILURE_REASONS`; a store outage is 503 `store_unavailable` unless the route allows
 * `allow-signature-only`.
 *
 * @example
 * ```ts
 * const proofs = createProofCheck({
 *   devices: stores.devices,
 *   replay: stores.replay,
 *   routes: { 'post-pay-session': {} },
 *   appIdsFor: (appId) => apps.get(appId)?.ios?.appIds ?? [],
 * });
 * const gateway = createGateway({ routes, checks: [proofs], ...rest });
 * ```
 */
export function createProofCheck(options: ProofCheckOptions): GatewayCheck {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { devices, replay, appIdsFor, onDegraded, deviceStanding } = options;
  if (typeof devices?.get !== 'function' || typeof devices.advanceCounter !== 'function') {
    throw new TypeError('devices must be a DeviceStore');
  }
  if (typeof replay?.firstSeen !== 'function') throw new TypeError('replay must be a ReplayStore');
  if (typeof appIdsFor !== 'function') throw new TypeError('appIdsFor must be a function');
  if (onDegraded !== undefined && typeof onDegraded !== 'function') {
    throw new TypeError('onDegraded must be a function');
  }
  if (deviceStanding !== undefined && typeof deviceStanding !== 'function') {
    throw new TypeError('deviceStanding must be a function');
  }
  const skewSeconds = seconds(options.skewSeconds, 'skewSeconds', 1, 300, DEFAULT_SKEW_SECONDS);
  const defaultMode = outageMode(options.onStoreOutage, 'onStoreOutage', 'refuse');
  const retryAfter = seconds(options.retryAfterSeconds, 'retryAfterSeconds', 1, 3600, 1);
  if (options.allowTestRootDevices !== undefined && typeof options.allowTestRootDevices !== 'boolean') {
    throw new TypeError('allowTestRootDevices must be a boolean');
  }
  const allowTestRoot = options.allowTestRootDevices === true;

  if (typeof options.routes !== 'object' || options.routes === null) {
    throw new TypeError('routes must be a Map or a record of route id to policy');
  }
  const entries: [string, ProofRoutePolicy][] =
    options.routes instanceof Map ? [...options.routes] : Object.entries(options.routes);
  const plans = new Map<string, RoutePlan>();
  for (const [id, policy] of entries) {
    if (typeof policy !== 'object' || policy === null) throw new TypeError(`routes.${id} must be an object`);
    const skewMs = 1000 * seconds(policy.skewSeconds, `routes.${id}.skewSeconds`, 1, 300, skewSeconds);
    const mode = outageMode(policy.onStoreOutage, `routes.${id}.onStoreOutage`, defaultMode);
    plans.set(id, {
      skewMs,
      replayTtlMs: 2 * skewMs + REPLAY_MARGIN_MS,
      degrade: mode === 'allow-signature-only',
    });
  }

  function degraded(context: GatewayCheckContext, reason: ProofDegradedEvent['reason']): void {
    if (onDegraded === undefined) return;
    try {
      onDegraded({ requestId: context.requestId, routeId: context.route.id, reason });
    } catch {
      // A failing observer must not decide the request.
    }
  }

  /** Refuses the request: the 401s say which proof rule failed, for an SDK's step-up. */
  function refuse(context: GatewayCheckContext, code: ProofFailureCode): never {
    const error = proofError(code, STORE_OUTAGES.has(code) ? { retryAfter } : {});
    if (error.status === 401) {
      context.setResponseHeader('www-authenticate', `Portcullis realm="app", error="${error.code}"`);
    }
    throw error;
  }

  /** Reads a store; an outage refuses (503) or, on a degraded route, yields `undefined`. */
  async function fromStore<T>(
    context: GatewayCheckContext,
    plan: RoutePlan,
    outage: ProofFailureCode,
    run: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      if (!plan.degrade) refuse(context, outage);
      return undefined;
    }
  }

  /** The registered device, checked against the token; undefined when the store is down (degraded). */
  async function registeredDevice(
    context: GatewayCheckContext,
    plan: RoutePlan,
    claims: AppTokenClaims,
    kid: string,
  ): Promise<DeviceRecord | undefined> {
    const device = await fromStore(context, plan, 'proof_device_store_unavailable', () => devices.get(kid));
    if (device === undefined) return undefined;
    if (device === null) refuse(context, 'proof_device_unknown');
    if (device.appId !== claims.sub) refuse(context, 'proof_device_other_app');
    if (device.revokedAt !== null) refuse(context, 'proof_device_revoked');
    if (device.testRoot && !allowTestRoot) refuse(context, 'proof_device_test_root');
    if (deviceStanding !== undefined && deviceStanding(device, context.now) !== null) {
      refuse(context, 'proof_device_attestation_outdated');
    }
    if (!isSigningPlatform(device.platform)) refuse(context, 'proof_platform_unsupported');
    const cnf = claims.cnf;
    if (cnf === undefined || device.platform !== claims.plt || !sameKey(device.publicKeyJwk, cnf.jwk)) {
      refuse(context, 'proof_device_key_mismatch');
    }
    return device;
  }

  async function run(context: GatewayCheckContext): Promise<void> {
    const plan = plans.get(context.route.id);
    if (plan === undefined) return;

    // 1. Exactly one well-formed header (the gateway refuses a repeated one before any check).
    const header = context.headers[HEADER_PROOF];
    if (header === undefined) refuse(context, 'proof_missing');
    if (typeof header !== 'string') refuse(context, 'proof_header_malformed');
    const parsed = parseProofHeader(header);
    if (!parsed.ok) refuse(context, PROOF_HEADER_REFUSAL_REASONS[parsed.refusal]);

    // 2. Fresh: within ±skew of the arrival time (bounds included).
    const delta = parsed.timestampMs - context.now;
    if (delta < -plan.skewMs) refuse(context, 'proof_too_old');
    if (delta > plan.skewMs) refuse(context, 'proof_from_future');

    // 3. A token bound to a device key.
    const claims = context.claims;
    const token = context.token;
    const cnf = claims?.cnf;
    if (claims === null || token === null || cnf === undefined || typeof cnf.kid !== 'string') {
      refuse(context, 'proof_no_device_key');
    }

    // 4. The registered key (or, degraded, the token's own cnf key).
    const device = await registeredDevice(context, plan, claims, cnf.kid);
    let signingKey: ProofSigningKey;
    let platform: 'ios' | 'android';
    if (device !== undefined) {
      signingKey = { publicKeyJwk: device.publicKeyJwk, counter: device.counter };
      platform = device.platform as 'ios' | 'android';
    } else {
      if (!isSigningPlatform(claims.plt)) refuse(context, 'proof_platform_unsupported');
      signingKey = { publicKeyJwk: cnf.jwk, counter: 0 };
      platform = claims.plt;
    }

    // 5. The signature over the message rebuilt from the request as received.
    const authorization = context.headers.authorization;
    let message: string;
    try {
      message = proofMessage(
        {
          method: context.method,
          target: context.target,
          body: context.body ?? new Uint8Array(0),
          timestampMs: parsed.timestampMs,
          token,
          authorization,
        },
        sha256,
      );
    } catch (error) {
      if (error instanceof TypeError) refuse(context, 'proof_request_not_canonical');
      throw error;
    }
    const appIds = platform === 'ios' ? appIdsFor(claims.sub) : [];
    const verified = verifyProofSignature({ platform, signature: parsed.signature, message }, signingKey, {
      appIds,
    });
    if (!verified.ok) refuse(context, verified.code);

    // 6. Only a verified proof is written: first the replay store, then the App Attest counter.
    const first = await fromStore(context, plan, 'proof_replay_store_unavailable', () =>
      replay.firstSeen(proofReplayKey(cnf.kid, message), plan.replayTtlMs, context.now),
    );
    if (first === false) refuse(context, 'proof_replayed');
    if (first === undefined) degraded(context, 'proof_degraded_replay_unchecked');

    if (device === undefined) {
      degraded(context, 'proof_degraded_device_unchecked');
    } else if (verified.counter !== null) {
      const counter = verified.counter;
      const advanced = await fromStore(context, plan, 'proof_device_store_unavailable', () =>
        devices.advanceCounter(cnf.kid, counter, context.now),
      );
      if (advanced === false) refuse(context, 'proof_counter_not_increasing');
      if (advanced === undefined) degraded(context, 'proof_degraded_device_unchecked');
    }
  }

  return { name: 'proof', phase: 'body', run };
}
