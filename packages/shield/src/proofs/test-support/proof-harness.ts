/**
 * Test harness for per-request proofs: real devices (the test kit's software App Attest device,
 * and a node:crypto P-256 key signing like an Android Keystore key), real gateways on loopback
 * (the gateway's own harness: recording upstream U, jose issuer), and a small HTTP client that
 * sends the request target byte for byte. Used by the proofs' *.test.ts files only.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { Agent, request } from 'node:http';
import {
  type AppTokenClaims,
  authorizationBindingHash,
  formatProofHeader,
  type JsonWebKeyLike,
  proofMessage,
} from '@portcullis/protocol';
import {
  type AppAttestTestAuthority,
  createAppAttestTestAuthority,
  createSoftwareAppAttestDevice,
} from '@portcullis/testkit';
import type { JWTPayload } from 'jose';
import { createManualClock } from '../../clock.js';
import {
  createIssuer,
  FAST_TIMEOUTS,
  type Issuer,
  type RunningGateway,
  route,
  startGateway,
  TEST_NOW,
} from '../../gateway/test-support/harness.js';
import type { GatewayCheck, RouteSpec } from '../../gateway/types.js';
import type { DeviceStore, NewDevice } from '../../stores/ports.js';

export { TEST_NOW };

export const APP = 'shop';
export const APP_ID = 'ABCDE12345.com.example.shop';
export const USER_A = 'Bearer user-a-session-0001';
export const USER_B = 'Bearer user-b-session-0002';

/** A device key that signs proofs the way its platform does. */
export interface TestDevice {
  platform: 'ios' | 'android';
  keyId: string;
  publicKeyJwk: JsonWebKeyLike;
  /** Signs the §4 message: iOS returns the assertion CBOR, android the DER signature. */
  signMessage(message: string): Uint8Array;
}

let authority: AppAttestTestAuthority | undefined;

/** A software App Attest device for the test app (one shared test authority per process). */
export function iosDevice(): TestDevice {
  authority ??= createAppAttestTestAuthority();
  const device = createSoftwareAppAttestDevice({
    authority,
    appId: APP_ID,
    environment: 'production',
    now: () => TEST_NOW,
  });
  return {
    platform: 'ios',
    keyId: device.keyId,
    publicKeyJwk: device.publicKeyJwk,
    signMessage: (message) => device.assert(createHash('sha256').update(message).digest()),
  };
}

/** A P-256 key signing SHA256withECDSA in DER, like an Android Keystore key. */
export function androidDevice(): TestDevice & { privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    platform: 'android',
    keyId: createHash('sha256').update(spki).digest('base64url'),
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! },
    privateKey,
    signMessage: (message) => sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'der' }),
  };
}

export async function register(
  devices: DeviceStore,
  device: TestDevice,
  overrides: Partial<NewDevice> = {},
): Promise<void> {
  const outcome = await devices.register({
    keyId: device.keyId,
    appId: APP,
    platform: device.platform,
    level: 'hardware',
    publicKeyJwk: device.publicKeyJwk,
    counter: 0,
    receipt: null,
    testRoot: true,
    attestation: {
      evidence: [device.platform === 'ios' ? 'apple-app-attest' : 'android-key-attestation'],
      environment: device.platform === 'ios' ? 'production' : null,
      policy: '{}',
    },
    firstSeen: TEST_NOW - 60_000,
    ...overrides,
  });
  if (outcome !== 'created') throw new Error('device already registered');
}

/** Token claims binding `device` (cnf), optionally to an Authorization value (ath). */
export function claimsFor(
  device: TestDevice,
  extra: Partial<AppTokenClaims> & JWTPayload & { bindTo?: string } = {},
): Partial<AppTokenClaims> & JWTPayload {
  const { bindTo, ...rest } = extra;
  return {
    sub: APP,
    plt: device.platform,
    lvl: 'hardware',
    cnf: { kid: device.keyId, jwk: device.publicKeyJwk },
    ...(bindTo === undefined ? {} : { ath: authorizationBindingHash(bindTo) }),
    ...rest,
  };
}

/** One request as the client sends it. */
export interface OutgoingRequest {
  method: string;
  /** Path and query, sent byte for byte. */
  target: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Signs a request for `device` (protocol §4) and returns it with its token, proof and Authorization. */
export function signedRequest(options: {
  device: TestDevice;
  token: string;
  method?: string;
  target?: string;
  body?: string | Buffer;
  authorization?: string;
  timestampMs?: number;
}): OutgoingRequest & { proof: string; message: string } {
  const method = options.method ?? 'POST';
  const target = options.target ?? '/pay/session';
  const body =
    typeof options.body === 'string' ? Buffer.from(options.body) : (options.body ?? Buffer.alloc(0));
  const timestampMs = options.timestampMs ?? TEST_NOW;
  const message = proofMessage({
    method,
    target,
    body,
    timestampMs,
    token: options.token,
    authorization: options.authorization,
  });
  const proof = formatProofHeader(timestampMs, options.device.signMessage(message));
  const headers: Record<string, string> = { 'portcullis-token': options.token, 'portcullis-proof': proof };
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  if (body.length > 0) headers['content-type'] = 'application/json';
  return { method, target, headers, body, proof, message };
}

export interface Answer {
  status: number;
  /** problem+json `code`, or 'ok' for a 2xx. */
  code: string;
  headers: Record<string, string | string[] | undefined>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Sends `req` to 127.0.0.1:`port` with node:http (the target is not re-encoded). */
export function send(port: number, req: OutgoingRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.target,
        agent,
        headers: { ...req.headers, 'content-length': String(req.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let code = 'ok';
          if (status >= 300) {
            try {
              code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code: string }).code;
            } catch {
              code = 'unparsed';
            }
          }
          resolve({ status, code, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** The routes every proof test uses. */
export function proofRoutes(upstream: URL): RouteSpec[] {
  const protectedRoute = (spec: Partial<RouteSpec> & Pick<RouteSpec, 'id' | 'path'>) =>
    route({ upstream, public: false, require: { token: true }, methods: ['POST'], ...spec });
  return [
    protectedRoute({ id: 'pay', path: '/pay/session' }),
    protectedRoute({ id: 'email', path: '/email/send' }),
    protectedRoute({ id: 'orders', path: '/orders', methods: ['GET', 'POST'] }),
    protectedRoute({ id: 'search', path: '/search/*', methods: ['GET', 'PUT'] }),
    protectedRoute({ id: 'stepup', path: '/stepup' }),
    protectedRoute({ id: 'degraded', path: '/degraded' }),
    protectedRoute({ id: 'profile', path: '/profile', methods: ['GET'] }),
    protectedRoute({ id: 'bound', path: '/bound', methods: ['GET'] }),
    route({ id: 'public', path: '/public', upstream, timeouts: FAST_TIMEOUTS }),
  ];
}

/** Route id → proof policy for `proofRoutes` (profile, bound and public need no proof). */
export const PROOF_ROUTE_POLICIES = {
  pay: {},
  email: {},
  orders: {},
  search: {},
  stepup: { skewSeconds: 10 },
  degraded: { onStoreOutage: 'allow-signature-only' },
} as const;

/** A gateway on loopback with `checks`, verifying tokens from `issuer`, at the shared `clock`. */
export async function startProofGateway(
  upstream: URL,
  checks: GatewayCheck[],
  shared?: { issuer: Issuer; clock: ReturnType<typeof createManualClock> },
): Promise<RunningGateway> {
  const clock = shared?.clock ?? createManualClock(TEST_NOW);
  const issuer = shared?.issuer ?? (await createIssuer(clock.now));
  const gateway = await startGateway(proofRoutes(upstream), {
    checks,
    clock,
    verifyToken: issuer.verifyToken,
  });
  return { ...gateway, issuer, clock };
}
