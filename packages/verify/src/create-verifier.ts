import {
  type AppTokenClaims,
  authorizationBindingHash,
  type ErrorCode,
  HEADER_PROOF,
  HEADER_TOKEN,
  parseProofHeader,
  proofMessage,
} from '@portcullis/protocol';
import {
  type AppAudiences,
  checkRouteToken,
  createLruCache,
  type DeploymentMode,
  defaultMinLevel,
  PROOF_FAILURE_REASONS,
  PROOF_HEADER_REFUSAL_REASONS,
  type ProofFailureCode,
  proofReplayKey,
  ROUTE_TOKEN_REFUSALS,
  type RouteTokenRule,
} from '@portcullis/protocol/verification';
import type { AppRequest, AppRequestHead } from './app-request.js';
import { systemClock } from './clock.js';
import {
  type AppTokenVerifierOptions,
  type AppTokenVerifierStats,
  createAppTokenVerifier,
  type TokenVerification,
} from './create-app-token-verifier.js';
import { createRemoteJwks } from './create-remote-jwks.js';
import type { KeySource, WebCryptoKey } from './key-source.js';
import type { ReplayStore } from './replay-store.js';
import {
  type CompiledRouteRequirements,
  compileRouteRequirements,
  type RouteRequirements,
} from './route-requirements.js';
import { VerificationError } from './verification-error.js';
import type { VerifyReason } from './verify-reasons.js';
import { verifyWebProofSignature } from './verify-web-proof-signature.js';

/** Per-request proofs (protocol §4). */
export interface ProofOptions {
  /** Where proofs already seen are kept: `createMemoryReplayStore()` for one process, Redis for more. */
  replay: ReplayStore;
  /** Allowed |ts - arrival| in seconds, 1 to 300. Default 60 (the shield's default). */
  skewSeconds?: number;
  /**
   * The App IDs (`TEAMID.bundle.id`) of each app (the token's `sub`) that has an iOS version: an
   * App Attest proof's rpIdHash must match one. An iOS proof of an app not listed is refused.
   */
  appleAppIds?: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link createVerifier}. Bad options throw a TypeError naming the option. */
export interface VerifierOptions extends Omit<AppTokenVerifierOptions, 'keys'> {
  /** The shield's JWKS URL (`https://<shield>/.well-known/jwks.json`): fetched, cached and refreshed. */
  jwksUrl?: string;
  /** Instead of `jwksUrl`: a key source you built (`createRemoteJwks` with its options, `createStaticJwks`). */
  keys?: KeySource;
  /** The fetch `jwksUrl` is read with (default the global one). */
  fetch?: typeof fetch;
  /** Turns on per-request proofs for routes with `proof: true`. */
  proofs?: ProofOptions;
  /**
   * The shield's `mode`, for routes that name no `level`. `production` (default): they admit
   * `basic` and up, so a debug token passes only where a route writes `level: 'debug'`.
   * `development`: they admit every level, debug tokens too.
   */
  mode?: DeploymentMode;
  /**
   * Every audience of each app, as in the shield's `apps.<app>.audiences` (each one of
   * `audiences`). On a route that names no `audiences`, a debug token must carry every audience
   * of its app: a debug credential's `scope` narrows its tokens, and the scope holds on every
   * route, as on the shield; a debug token of an app not listed is refused. Default: every app
   * is taken to have all of `audiences`, so a debug token there must carry each of them.
   */
  appAudiences?: Readonly<Record<string, readonly string[]>>;
  /**
   * Told about every refused request (the response says only the code: log `error.reason`, and
   * `error.cause` for `verifier_failed`). The path comes without its query. Must not throw; a
   * throw is ignored.
   */
  onRefused?(error: VerificationError, request: { method: string; path: string }): void;
}

/** A request that passed every check of its route. */
export interface VerifiedAppRequest {
  /** The app token exactly as sent. */
  token: string;
  /** Its verified, frozen claims: `sub` is the app, `lvl` the assurance level, `cnf.kid` the device key. */
  claims: AppTokenClaims;
  /** On proof routes, the App Attest counter the proof carried (null for Android); null elsewhere. */
  proofCounter: number | null;
}

/** A verified request, or why it was refused (answer with `refusalResponse(error)`). */
export type RequestVerification =
  | { ok: true; request: VerifiedAppRequest }
  | { ok: false; error: VerificationError };

/** The checks of one route, built once. */
export interface RouteVerifier {
  readonly requirements: CompiledRouteRequirements;
  /**
   * What the route admits of a token, its defaults written out: `minLevel` is the route's
   * `level` or the verifier `mode`'s default (`basic` in production).
   */
  readonly tokenRule: RouteTokenRule;
  /** True on proof routes: the body must be read (at most `requirements.maxBodyBytes`) and passed to {@link checkBody}. */
  readonly needsBody: boolean;
  /** Every check (reading the body on proof routes). Never rejects except when `request.body()` does. */
  verify(request: AppRequest): Promise<RequestVerification>;
  /**
   * The checks that need no body: token, route policy, binding, and on proof routes the proof
   * header's form, time and device key. For frameworks that read the body later (Fastify).
   */
  checkHead(request: AppRequestHead): Promise<RequestVerification>;
  /** Proof routes: the signature over the body and the replay check, after {@link checkHead} passed. */
  checkBody(request: VerifiedAppRequest, body: Uint8Array): Promise<RequestVerification>;
}

/** Verifies app tokens and requests in a backend. */
export interface Verifier {
  /** Where the keys come from (a `RemoteJwks` when built from `jwksUrl`: see its `status()`). */
  readonly keys: KeySource;
  /** Verifies a token on its own (no route policy): the shield's profile and claim checks. */
  verifyToken(token: string): Promise<TokenVerification>;
  /** The checks of a route; throws a TypeError when the requirements are bad or do not fit this verifier. */
  route(requirements?: RouteRequirements | CompiledRouteRequirements): RouteVerifier;
  stats(): AppTokenVerifierStats;
}

/** What the head check of a proof route hands to the body check. */
interface PendingProof {
  method: string;
  target: string;
  authorization: string | undefined;
  timestampMs: number;
  signature: Uint8Array;
  platform: 'ios' | 'android';
  deviceKid: string;
  deviceJwk: { x: string; y: string };
  replayTtlMs: number;
  appIds: readonly string[];
}

const DEFAULT_SKEW_SECONDS = 60;
/** Replay entries outlive the window by this much (as on the shield), for instances whose clocks differ by up to 1 s. */
const REPLAY_MARGIN_MS = 1000;
const DEVICE_KEY_CACHE_ENTRIES = 1000;
const PROOF_CLIENT_CODES = new Map<string, ErrorCode | null>(
  PROOF_FAILURE_REASONS.map((r) => [r.code, r.clientCode]),
);
const utf8 = new TextEncoder();

function refuse(
  code: ErrorCode,
  reason: VerifyReason | ProofFailureCode,
  retryAfter?: number,
): RequestVerification {
  return {
    ok: false,
    error: new VerificationError(code, reason, retryAfter === undefined ? {} : { retryAfter }),
  };
}

function refuseProof(reason: ProofFailureCode, retryAfter?: number): RequestVerification {
  const code = PROOF_CLIENT_CODES.get(reason);
  return refuse(code ?? 'internal_error', reason, retryAfter);
}

/** One value of a protocol header, or `'repeated'`. Tokens and proofs never hold a comma, so a joined list shows. */
function single(head: AppRequestHead, name: string, commaJoined: boolean): string | undefined | 'repeated' {
  const value = head.header(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value.length === 1 ? value[0] : 'repeated';
  return commaJoined && value.includes(',') ? 'repeated' : value;
}

/** Compares two strings of public length without an early exit. */
function equalStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function checkProofOptions(proofs: ProofOptions | undefined): Required<ProofOptions> | null {
  if (proofs === undefined) return null;
  if (typeof proofs !== 'object' || proofs === null)
    throw new TypeError('createVerifier: proofs must be an object');
  if (typeof proofs.replay?.firstSeen !== 'function') {
    throw new TypeError(
      'createVerifier: proofs.replay must be a replay store (createMemoryReplayStore, createRedisReplayStore)',
    );
  }
  const skew = proofs.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isSafeInteger(skew) || skew < 1 || skew > 300) {
    throw new TypeError('createVerifier: proofs.skewSeconds must be an integer from 1 to 300');
  }
  const appleAppIds = proofs.appleAppIds ?? {};
  if (typeof appleAppIds !== 'object' || appleAppIds === null) {
    throw new TypeError('createVerifier: proofs.appleAppIds must map app ids to App ID lists');
  }
  for (const [app, ids] of Object.entries(appleAppIds)) {
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      !ids.every((id) => typeof id === 'string' && /^[A-Z0-9]{10}\..+$/.test(id))
    ) {
      throw new TypeError(
        `createVerifier: proofs.appleAppIds.${app} must list App IDs like ABCDE12345.com.example.app`,
      );
    }
  }
  return { replay: proofs.replay, skewSeconds: skew, appleAppIds: Object.freeze({ ...appleAppIds }) };
}

function checkMode(mode: unknown): DeploymentMode {
  if (mode === undefined) return 'production';
  if (mode !== 'production' && mode !== 'development') {
    throw new TypeError("createVerifier: mode must be 'production' or 'development'");
  }
  return mode;
}

/** The audiences of each app, each one the verifier serves; by default every app has them all. */
function checkAppAudiences(given: unknown, served: readonly string[]): AppAudiences {
  if (given === undefined) return { get: () => served };
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new TypeError('createVerifier: appAudiences must map app ids to audience lists');
  }
  const byApp = new Map<string, readonly string[]>();
  for (const [app, list] of Object.entries(given)) {
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((audience) => typeof audience === 'string' && served.includes(audience))
    ) {
      throw new TypeError(
        `createVerifier: appAudiences.${app} must be a non-empty list of the verifier's audiences`,
      );
    }
    byApp.set(app, Object.freeze([...new Set(list as string[])]));
  }
  return byApp;
}

/**
 * Builds a backend verifier: app tokens checked against the shield's JWKS with the shield's own
 * profile and claim checks (Web Crypto, no Node built-ins: Node, Workers, Deno, Lambda), route
 * requirements (level, apps, audiences, Authorization binding: judged by the shield's own rule,
 * with the same production default for debug tokens) and, when `proofs` is given,
 * per-request proofs with a replay store. Every refusal is a {@link VerificationError} with the
 * protocol's code; the framework adapters answer it with problem+json and WWW-Authenticate.
 * What it cannot do, the shield does: inject secrets, and stop traffic before it reaches you.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   jwksUrl: 'https://shield.example.com/.well-known/jwks.json',
 *   issuer: 'https://shield.example.com',
 *   audiences: ['shop-api'],
 * });
 * const pay = verifier.route({ level: 'hardware' });
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createVerifier: options must be an object');
  const {
    jwksUrl,
    keys: givenKeys,
    fetch: fetchImpl,
    proofs: proofOptions,
    onRefused,
    mode: givenMode,
    appAudiences: givenAppAudiences,
    ...tokenOptions
  } = options;
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    throw new TypeError('createVerifier: onRefused must be a function');
  }
  if ((jwksUrl === undefined) === (givenKeys === undefined)) {
    throw new TypeError('createVerifier: pass exactly one of jwksUrl and keys');
  }
  const clock = options.clock ?? systemClock;
  const keys: KeySource =
    givenKeys ??
    createRemoteJwks({
      url: jwksUrl as string,
      clock,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
  const tokens = createAppTokenVerifier({ ...tokenOptions, keys, clock });
  const proofs = checkProofOptions(proofOptions);
  const audiences = new Set(options.audiences);
  const mode = checkMode(givenMode);
  const appAudiences = checkAppAudiences(givenAppAudiences, [...audiences]);
  // Device keys (the token's cnf) are imported once each: a device signs many proofs.
  const deviceKeys = createLruCache<Promise<WebCryptoKey | null>>(DEVICE_KEY_CACHE_ENTRIES);

  function deviceKey(jwk: { x: string; y: string }): Promise<WebCryptoKey | null> {
    const id = `${jwk.x}.${jwk.y}`;
    let key = deviceKeys.get(id);
    if (key === undefined) {
      key = crypto.subtle
        .importKey(
          'jwk',
          { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
          { name: 'ECDSA', namedCurve: 'P-256' },
          false,
          ['verify'],
        )
        .catch(() => null);
      deviceKeys.set(id, key);
    }
    return key;
  }

  function route(requirements?: RouteRequirements | CompiledRouteRequirements): RouteVerifier {
    const compiled = compileRouteRequirements(requirements ?? {}, 'verifier.route');
    if (compiled.proof && proofs === null) {
      throw new TypeError('verifier.route: proof: true needs createVerifier({ proofs: { replay } })');
    }
    for (const audience of compiled.audiences ?? []) {
      if (!audiences.has(audience)) {
        throw new TypeError(`verifier.route: audience ${audience} is not one of the verifier's audiences`);
      }
    }
    const tokenRule: RouteTokenRule = Object.freeze({
      minLevel: compiled.level ?? defaultMinLevel(mode),
      apps: compiled.apps,
      audiences: compiled.audiences,
    });
    const skewMs = 1000 * (compiled.proofSkewSeconds ?? proofs?.skewSeconds ?? DEFAULT_SKEW_SECONDS);
    const pending = new WeakMap<VerifiedAppRequest, PendingProof>();

    function reported(result: RequestVerification, method: string, target: string): RequestVerification {
      if (result.ok || onRefused === undefined) return result;
      try {
        const query = target.indexOf('?');
        onRefused(result.error, { method, path: query < 0 ? target : target.slice(0, query) });
      } catch {
        // An observer must not decide the request.
      }
      return result;
    }

    async function admit(head: AppRequestHead): Promise<RequestVerification> {
      const arrival = clock.now();
      // 1. One token, one proof, one Authorization.
      const token = single(head, HEADER_TOKEN, true);
      if (token === undefined) return refuse('token_missing', 'token_missing');
      if (token === 'repeated') return refuse('duplicate_header', 'duplicate_token');
      const proofHeader = single(head, HEADER_PROOF, true);
      if (proofHeader === 'repeated') return refuse('duplicate_header', 'duplicate_proof');
      const authorization = single(head, 'authorization', false);
      if (authorization === 'repeated') return refuse('duplicate_header', 'duplicate_authorization');

      // 2. The token, then the route's level, app and audience: the shield's rule, from one place.
      const verified = await tokens.verify(token);
      if (!verified.ok) return verified;
      const claims = verified.claims;
      const refusal = checkRouteToken(claims, tokenRule, appAudiences);
      if (refusal !== null) return refuse(ROUTE_TOKEN_REFUSALS[refusal], refusal);

      // 3. A token bound to an Authorization value is only good with that exact value.
      if (claims.ath === undefined) {
        if (compiled.binding) return refuseProof('binding_token_unbound');
      } else {
        if (authorization === undefined) return refuseProof('binding_authorization_missing');
        let actual: string;
        try {
          actual = authorizationBindingHash(authorization);
        } catch {
          return refuseProof('binding_authorization_not_canonical');
        }
        if (!equalStrings(actual, claims.ath)) return refuseProof('binding_authorization_mismatch');
      }

      const request: VerifiedAppRequest = { token, claims, proofCounter: null };
      if (!compiled.proof || proofs === null) return { ok: true, request };

      // 4. Proof routes: the header's form, its time against the arrival, a device key.
      if (proofHeader === undefined) return refuseProof('proof_missing');
      const parsed = parseProofHeader(proofHeader);
      if (!parsed.ok) return refuseProof(PROOF_HEADER_REFUSAL_REASONS[parsed.refusal]);
      const delta = parsed.timestampMs - arrival;
      if (delta < -skewMs) return refuseProof('proof_too_old');
      if (delta > skewMs) return refuseProof('proof_from_future');
      const cnf = claims.cnf;
      if (cnf === undefined) return refuseProof('proof_no_device_key');
      if (claims.plt !== 'ios' && claims.plt !== 'android') return refuseProof('proof_platform_unsupported');
      pending.set(request, {
        method: head.method,
        target: head.target,
        authorization,
        timestampMs: parsed.timestampMs,
        signature: parsed.signature,
        platform: claims.plt,
        deviceKid: cnf.kid,
        deviceJwk: { x: String(cnf.jwk.x), y: String(cnf.jwk.y) },
        replayTtlMs: 2 * skewMs + REPLAY_MARGIN_MS,
        appIds: proofs.appleAppIds[claims.sub] ?? [],
      });
      return { ok: true, request };
    }

    async function checkBody(request: VerifiedAppRequest, body: Uint8Array): Promise<RequestVerification> {
      if (!compiled.proof || proofs === null) return { ok: true, request };
      const proof = pending.get(request);
      if (proof === undefined) throw new TypeError('checkBody: pass the request checkHead admitted');
      pending.delete(request);
      return reported(await checkProof(request, proof, body, proofs.replay), proof.method, proof.target);
    }

    async function checkProof(
      request: VerifiedAppRequest,
      proof: PendingProof,
      body: Uint8Array,
      replay: ReplayStore,
    ): Promise<RequestVerification> {
      // 5. The signature over the message rebuilt from the request as received.
      let message: string;
      try {
        message = proofMessage({
          method: proof.method,
          target: proof.target,
          body,
          timestampMs: proof.timestampMs,
          token: request.token,
          authorization: proof.authorization,
        });
      } catch (error) {
        if (error instanceof TypeError) return refuseProof('proof_request_not_canonical');
        throw error;
      }
      const key = await deviceKey(proof.deviceJwk);
      if (key === null) return refuseProof('proof_device_key_invalid');
      const signed = await verifyWebProofSignature(
        { platform: proof.platform, signature: proof.signature, message },
        key,
        proof.appIds,
      );
      if (!signed.ok) return refuseProof(signed.code);
      // 6. Only a verified proof is recorded; a second use of the same message is a replay.
      let first: boolean;
      try {
        first = await replay.firstSeen(
          proofReplayKey(proof.deviceKid, utf8.encode(message)),
          proof.replayTtlMs,
          clock.now(),
        );
      } catch {
        return refuseProof('proof_replay_store_unavailable', 1);
      }
      if (!first) return refuseProof('proof_replayed');
      return { ok: true, request: { ...request, proofCounter: signed.counter } };
    }

    async function checkHead(head: AppRequestHead): Promise<RequestVerification> {
      return reported(await admit(head), head.method, head.target);
    }

    async function verify(request: AppRequest): Promise<RequestVerification> {
      const head = await checkHead(request);
      if (!head.ok || !compiled.proof) return head;
      const body = await request.body(compiled.maxBodyBytes);
      if (body === null)
        return reported(refuse('payload_too_large', 'body_too_large'), request.method, request.target);
      return checkBody(head.request, body);
    }

    return { requirements: compiled, tokenRule, needsBody: compiled.proof, verify, checkHead, checkBody };
  }

  return {
    keys,
    verifyToken: (token) => tokens.verify(token),
    route,
    stats: () => tokens.stats(),
  };
}
