import type { X509Certificate } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import { ERROR_CODES } from '@portcullis/protocol';
import { createAdminHandler } from '../admin/index.js';
import { APPLE_APP_ATTESTATION_ROOT_CA_PEM, loadAppleRoots } from '../attest/apple/index.js';
import { createAuditWriter } from '../audit/create-audit-writer.js';
import { type Clock, systemClock } from '../clock.js';
import { type Config, compileRoutePolicies, describeRouteRequirement } from '../config/index.js';
import { type ClientErrorEvent, createGateway, createHttpServer } from '../gateway/index.js';
import { createIdentifierHasher } from '../identifier-hasher.js';
import { createClientIpResolver } from '../limits/index.js';
import { createAuthorizationBindingCheck, createProofCheck } from '../proofs/index.js';
import { createStores } from '../stores/create-stores.js';
import type { Stores } from '../stores/ports.js';
import {
  createKeyStore,
  createTokenIssuer,
  createTokenVerifier,
  type KeyStore,
  loadIdentifierKey,
} from '../tokens/index.js';
import { androidAssertionVerifier, createAndroidVerifiers } from './android-verifiers.js';
import { appPolicies } from './app-policies.js';
import { appleAssertionVerifier, createAppleAttestationVerifier } from './apple-verifiers.js';
import { createAttestService } from './attest-service.js';
import { createKeyMaintenance } from './create-key-maintenance.js';
import { createRevocationCheck } from './create-revocation-check.js';
import { deviceStanding } from './device-standing.js';
import { createEvidenceVerifiers } from './evidence-verifiers.js';
import { createShieldLimits } from './limit-wiring.js';
import { createLogger, type Logger } from './logger.js';
import { createPublicHandler } from './public-handler.js';
import { bindingRoutes, proofRoutes, routeSpecs, upstreamCaBundle } from './route-specs.js';
import { shieldStats } from './shield-stats.js';

/** Listens and resolves with the bound URL (IPv6 addresses in brackets). */
function listenOn(target: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    target.listen(port, host, () => {
      target.off('error', reject);
      const address = target.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

/** Things a caller may supply instead of the defaults; tests and the demo use them. */
export interface ShieldOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Test-kit roots (App Attest), trusted only when `config.mode` is development. */
  appleTestRoots?: readonly X509Certificate[];
  /** Test-kit roots (Android key attestation), trusted only when `config.mode` is development. */
  androidTestRoots?: readonly X509Certificate[];
  /** Pre-built stores (otherwise built from `config.store`). */
  stores?: Stores;
  /** Longest time a device revocation may go unnoticed by the gateway, ms (default 5000). */
  revocationStalenessMs?: number;
  /** fetch for outbound calls (revocation list, Google's decode endpoint); tests point it at loopback. */
  fetch?: typeof fetch;
}

export interface Shield {
  readonly config: Config;
  readonly keys: KeyStore;
  readonly stores: Stores;
  readonly logger: Logger;
  /** The node:http server of the public listener (not listening until `listen`). */
  readonly server: Server;
  /** The admin listener's server, when `config.admin` is set (not listening until `listen`). */
  readonly adminServer: Server | undefined;
  /** Starts listening (and the admin listener, when configured); resolves with the public URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, drains, flushes the audit queue and closes the stores. */
  close(): Promise<void>;
}

/**
 * Builds a shield from a loaded config: stores, keys, verifiers, gateway and the public listener.
 * Refuses (throws) rather than start half-configured: a missing root file, an unreachable store,
 * a bad key directory.
 */
export async function createShield(config: Config, overrides: ShieldOverrides = {}): Promise<Shield> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logging.level });
  const development = config.mode === 'development';
  if (development && process.env['NODE_ENV'] === 'production') {
    throw new Error('refusing to start: mode is development while NODE_ENV=production (A8-05)');
  }
  const instance = config.instanceId ?? `portcullis-${randomUUID().slice(0, 8)}`;

  const stores =
    overrides.stores ??
    (await createStores(config.store, {
      onError: (error) =>
        logger.error({ err: { name: error.name, message: error.message } }, 'store trouble'),
    }));
  // Every route's policy is decided here, once: the gateway, the proof check, the limiter and
  // the start-up log below all read these objects.
  const policies = compileRoutePolicies(config);
  const keys = createKeyStore({ dir: config.keys.dir, alg: config.keys.alg, clock });
  await keys.load();
  // Beside the signing keys, so every instance sharing the key directory hashes identifiers alike.
  const identifiers = createIdentifierHasher(
    await loadIdentifierKey(config.keys.dir, { create: true, now: clock.now() }),
  );
  const limits = await createShieldLimits(config, policies, { clock, logger, identifiers });

  const apps = appPolicies(config);
  const audiences = [...new Set([...apps.values()].flatMap((app) => app.audiences))];
  const issuer = createTokenIssuer({ keys, issuer: config.issuer, clock });
  const verifier = createTokenVerifier({
    keys,
    issuer: config.issuer,
    audiences: audiences.length > 0 ? audiences : ['none'],
    clock,
    clockToleranceSeconds: config.tokens.clockToleranceSeconds,
    maxLifetimeSeconds: config.tokens.maxTtlSeconds,
    cache: { maxEntries: 10_000 },
    allowDev: development,
  });

  const appleRoots = loadAppleRoots(
    config.trust.appleRootsFile === undefined
      ? [APPLE_APP_ATTESTATION_ROOT_CA_PEM]
      : [readFileSync(config.trust.appleRootsFile, 'utf8')],
  );
  const android = createAndroidVerifiers(config, {
    clock,
    testRoots: development ? (overrides.androidTestRoots ?? []) : [],
    logger,
    replay: stores.replay,
    ...(overrides.fetch !== undefined ? { fetch: overrides.fetch } : {}),
  });
  const evidenceVerifiers = createEvidenceVerifiers({
    'apple-app-attest': createAppleAttestationVerifier({
      roots: appleRoots,
      testRoots: development ? (overrides.appleTestRoots ?? []) : [],
    }),
    ...android.evidenceVerifiers,
  });

  const auditWriter = createAuditWriter({
    log: stores.audit,
    instance,
    onFailure: (kind, error) =>
      logger.error(
        { kind, err: error instanceof Error ? { name: error.name, message: error.message } : undefined },
        'audit write failed',
      ),
  });

  const attest = createAttestService({
    apps,
    stores,
    tokens: issuer,
    evidenceVerifiers,
    assertionVerifiers: { ios: appleAssertionVerifier, android: androidAssertionVerifier },
    clock,
    challengeTtlSeconds: config.challenges.ttlSeconds,
    developmentMode: development,
  });

  const keyMaintenance = createKeyMaintenance({
    keys,
    now: () => clock.now(),
    rotateEveryDays: config.keys.rotateEveryDays,
    retireAfterSeconds: config.tokens.maxTtlSeconds + config.tokens.clockToleranceSeconds,
    publishAheadSeconds: config.keys.publishAheadSeconds,
    onError: (error) =>
      logger.error(
        { err: error instanceof Error ? { name: error.name, message: error.message } : String(error) },
        'key maintenance failed',
      ),
    onRotated: (kid) => logger.info({ kid }, 'signing key rotated'),
  });

  const gateway = createGateway({
    routes: routeSpecs(policies),
    verifyToken: (token) => verifier.verify(token),
    appAudiences: Object.fromEntries([...apps].map(([appId, app]) => [appId, app.audiences])),
    checks: [
      createRevocationCheck({
        devices: stores.devices,
        clock,
        ...(overrides.revocationStalenessMs !== undefined
          ? { maxStalenessMs: overrides.revocationStalenessMs }
          : {}),
      }),
      createAuthorizationBindingCheck({
        requireBinding: bindingRoutes(policies),
      }),
      createProofCheck({
        devices: stores.devices,
        replay: stores.replay,
        routes: proofRoutes(policies),
        appIdsFor: (appId) => apps.get(appId)?.ios?.appIds ?? [],
        skewSeconds: config.proofs.skewSeconds,
        onStoreOutage: config.proofs.onStoreOutage,
        retryAfterSeconds: config.proofs.retryAfterSeconds,
        allowTestRootDevices: development,
        deviceStanding: (device, now) => {
          const app = apps.get(device.appId);
          return app === undefined ? 'device_evidence_not_accepted' : deviceStanding(device, app, now);
        },
        onDegraded: (event) => logger.warn({ ...event }, 'proof checked without its store (degraded mode)'),
      }),
      ...limits.checks.checks,
    ],
    resolveSecret: (name) => config.secrets[name] ?? '',
    audit: (record) => auditWriter.write(record),
    identifiers,
    clock,
    limits: { maxUrlBytes: config.http.maxUrlBytes, maxHeaders: config.http.maxHeaders },
    logger,
    upstreamPool: {
      ...(upstreamCaBundle(config, (file) => readFileSync(file, 'utf8'), rootCertificates) === undefined
        ? {}
        : { ca: upstreamCaBundle(config, (file) => readFileSync(file, 'utf8'), rootCertificates)! }),
    },
  });

  let closing = false;
  // Readiness costs a store round trip: concurrent probes share one ping, and its answer is
  // reused for a second, so anonymous /readyz floods cannot multiply store load.
  let lastPing: { at: number; answer: Promise<boolean> } | undefined;
  const readiness = (): Promise<boolean> => {
    const now = clock.now();
    if (lastPing === undefined || now - lastPing.at >= 1000) {
      lastPing = {
        at: now,
        answer: stores.ping().then(
          () => true,
          () => false,
        ),
      };
    }
    return lastPing.answer;
  };
  const handler = createPublicHandler({
    attest,
    gateway,
    jwks: () => keys.jwksHttp(),
    ready: () => (closing ? Promise.resolve(false) : readiness()),
    audit: (record) => auditWriter.write(record),
    identifiers,
    clock,
    maxAttestBodyBytes: 64 * 1024,
    resolveClientIp: createClientIpResolver({
      trustedProxies: config.http.trustedProxies,
      ipv6PrefixLength: config.http.ipv6LimitPrefix,
      header: config.http.forwardedHeader,
    }),
    endpointLimiter: limits.endpoints,
    onError: (error, requestId) =>
      logger.error(
        {
          requestId,
          err:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        },
        'unexpected error',
      ),
  });

  // Requests the HTTP server refuses before any handler (malformed, too slow, CONNECT, no version,
  // no Host, a protocol upgrade) are audited too, by the socket peer's address.
  const auditRefusal =
    (event: 'gateway' | 'admin') =>
    (refusal: ClientErrorEvent): void => {
      const status = ERROR_CODES[refusal.code].status;
      auditWriter.write({
        ts: clock.now(),
        requestId: refusal.requestId,
        event,
        decision: status >= 500 ? 'error' : status === 429 ? 'limit' : 'deny',
        code: refusal.code,
        reason: refusal.reason,
        appId: null,
        routeId: null,
        method: null,
        path: null,
        clientIp: refusal.remoteAddress,
        deviceIdHash: null,
        userIdHash: null,
        tokenJti: null,
        level: null,
        upstreamStatus: null,
        latencyMs: null,
        details: null,
      });
    };

  const admin =
    config.admin === undefined
      ? undefined
      : createAdminHandler({
          tokenSha256: config.admin.tokenSha256,
          stores,
          keys,
          identifiers,
          clock,
          stats: () =>
            shieldStats({
              audit: auditWriter.stats(),
              limits,
              tokens: verifier.stats(),
              gateway: gateway.stats(),
            }),
          audit: (record) => auditWriter.write(record),
          onError: (error, requestId) =>
            logger.error(
              {
                requestId,
                err:
                  error instanceof Error
                    ? { name: error.name, message: error.message, stack: error.stack }
                    : String(error),
              },
              'admin: unexpected error',
            ),
        });
  const adminServer =
    admin === undefined
      ? undefined
      : createHttpServer(admin, {
          headersTimeoutMs: config.http.headersTimeoutMs,
          requestTimeoutMs: config.http.requestTimeoutMs,
          keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
          onClientError: auditRefusal('admin'),
        });

  const server = createHttpServer(handler, {
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    onClientError: auditRefusal('gateway'),
  });

  if (development) {
    logger.warn(
      {
        mode: 'development',
        testRoots: (overrides.appleTestRoots?.length ?? 0) + (overrides.androidTestRoots?.length ?? 0),
      },
      'DEVELOPMENT MODE: test-kit roots may be trusted and tokens they yield are marked dev; never run this in production',
    );
  }
  for (const policy of policies) {
    logger.info(
      {
        route: policy.id,
        methods: policy.methods,
        path: policy.path,
        requires: describeRouteRequirement(policy),
        tokenMode: policy.token?.mode ?? null,
        proof: policy.proof !== null,
        limits: policy.limits.rules.length,
        injects: policy.inject.map((entry) => entry.header),
      },
      'route',
    );
  }

  return {
    config,
    keys,
    stores,
    logger,
    server,
    adminServer,
    async listen(port = config.listen.port, host = config.listen.host) {
      // Trust material first: the port opens once the Android status list is loaded (or its
      // failure logged), so no attestation is judged without it.
      await android.start();
      let url: string;
      try {
        url = await listenOn(server, port, host);
      } catch (error) {
        android.stop();
        throw error;
      }
      if (adminServer !== undefined && config.admin !== undefined) {
        try {
          logger.info(
            { url: await listenOn(adminServer, config.admin.port, config.admin.host) },
            'admin listening',
          );
        } catch (error) {
          server.close();
          android.stop();
          throw error;
        }
      }
      keyMaintenance.start();
      logger.info({ url, instance }, 'listening');
      return url;
    },
    async close() {
      closing = true;
      android.stop();
      keyMaintenance.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      admin?.close();
      if (adminServer !== undefined) {
        await new Promise<void>((resolve) => {
          adminServer.close(() => resolve());
          adminServer.closeIdleConnections();
        });
      }
      await gateway.close();
      await auditWriter.flush();
      await limits.close();
      await stores.close();
    },
  };
}
