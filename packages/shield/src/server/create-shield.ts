import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import { ERROR_CODES } from '@portcullis/protocol';
import { createAdminHandler, type MetricFamily } from '../admin/index.js';
import { createAuditWriter } from '../audit/create-audit-writer.js';
import { type Clock, systemClock } from '../clock.js';
import { deepFreeze } from '../config/deep-freeze.js';
import {
  type Config,
  ConfigError,
  compileRoutePolicies,
  describeRouteRequirement,
  formatConfigError,
  type RoutePolicy,
  readListenTls,
} from '../config/index.js';
import {
  type ClientErrorEvent,
  createGateway,
  createHttpServer,
  type GatewayStats,
} from '../gateway/index.js';
import { createIdentifierHasher, type IdentifierHasher } from '../identifier-hasher.js';
import { createClientIpResolver } from '../limits/index.js';
import { createAuthorizationBindingCheck, createProofCheck } from '../proofs/index.js';
import { createStores } from '../stores/create-stores.js';
import type { AuditRecord, Stores } from '../stores/ports.js';
import {
  createKeyStore,
  createTokenIssuer,
  createTokenVerifier,
  type KeyStore,
  loadIdentifierKey,
  type TokenVerifierStats,
} from '../tokens/index.js';
import { appPolicies } from './app-policies.js';
import { createAttestService } from './attest-service.js';
import { createDebugVerifier } from './create-debug-verifier.js';
import { createKeyMaintenance } from './create-key-maintenance.js';
import { createRequestMetrics, type RequestMetrics } from './create-request-metrics.js';
import { createRevocationCheck } from './create-revocation-check.js';
import { deviceStanding } from './device-standing.js';
import { createEvidenceVerifiers } from './evidence-verifiers.js';
import { keepRestartOnly } from './keep-restart-only.js';
import { createShieldLimitStore, createShieldLimits, type ShieldLimits } from './limit-wiring.js';
import { createLogger, type Logger } from './logger.js';
import { createPlatformVerifiers } from './platform-verifiers.js';
import { createPublicHandler } from './public-handler.js';
import { bindingRoutes, proofRoutes, routeSpecs, upstreamCaBundle } from './route-specs.js';
import { routeViews } from './route-views.js';
import { shieldStats } from './shield-stats.js';

/** Listens and resolves with the bound URL (IPv6 addresses in brackets). */
function listenOn(target: Server, port: number, host: string, scheme = 'http'): Promise<string> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    target.listen(port, host, () => {
      target.off('error', reject);
      const address = target.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`${scheme}://${shown}:${address.port}`);
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
  /**
   * Where `/metrics` gets its families when this shield is one of several workers (the cluster
   * gathers every worker's). Absent: this process's own.
   */
  gatherMetrics?: () => Promise<MetricFamily[]>;
}

/** What a reload did: applied (with the restart-only settings it kept), or refused and why. */
export type ReloadOutcome = { ok: true; kept: string[] } | { ok: false; reason: string; problems: string[] };

export interface Shield {
  /** The config in force (after a reload, the reloaded one). */
  readonly config: Config;
  readonly keys: KeyStore;
  readonly stores: Stores;
  readonly logger: Logger;
  /** The server of the public listener, node:https with `listen.tls` (not listening until `listen`). */
  readonly server: Server | HttpsServer;
  /** The admin listener's server, when `config.admin` is set (not listening until `listen`). */
  readonly adminServer: Server | undefined;
  /** Starts listening (and the admin listener, when configured); resolves with the public URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Applies a new config between requests: requests in flight finish on the old one, the next
   * ones see the new one. Restart-only settings keep their running values (logged); a config the
   * new parts cannot be built from (a TLS pair, a root file, a changed mode) is refused and the
   * running one stays (logged). Never throws. Reloads run one at a time.
   */
  reload(next: Config): Promise<ReloadOutcome>;
  /** This process's metric families now (what `/metrics` serves on a single process). */
  metricFamilies(): MetricFamily[];
  /** Stops accepting, drains, flushes the audit queue and closes the stores. */
  close(): Promise<void>;
}

/** What lives as long as the process: built once from the starting config, kept across reloads. */
interface Lasting {
  clock: Clock;
  logger: Logger;
  overrides: ShieldOverrides;
  stores: Stores;
  limitStore: ShieldLimits['store'];
  keys: KeyStore;
  identifiers: IdentifierHasher;
  audit(record: Omit<AuditRecord, 'instance'>, platform?: string | null): void;
  ready(): Promise<boolean>;
  requestMetrics: RequestMetrics;
}

/** Everything a config decides and a reload replaces: verifiers, gateway, limits, handler. */
interface Generation {
  readonly config: Config;
  /** Every route's policy, decided once for this config. */
  readonly policies: readonly RoutePolicy[];
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly limits: ShieldLimits;
  tokenStats(): TokenVerifierStats;
  gatewayStats(): GatewayStats;
  /** Starts its timers (revocation list refresh, key rotation); may fetch the revocation list. */
  start(): Promise<void>;
  /** Stops its timers. */
  stop(): void;
  /** Closes upstream pools and limit timers; call once no request uses it. */
  close(): Promise<void>;
  inFlight: number;
  retired: boolean;
  /** Bound once: the response 'close' listener that counts a request out. */
  readonly leave: () => void;
}

function errorDetails(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error);
}

function readPemCertificates(file: string): X509Certificate[] {
  const pem = readFileSync(file, 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${file}: no PEM certificate in the file`);
  return blocks.map((block) => new X509Certificate(block));
}

/** Test-kit roots: the overrides' and the development section's files; none unless in development. */
function testRoots(config: Config, overrides: ShieldOverrides) {
  if (config.mode !== 'development') return { apple: [], android: [] };
  const files = config.development;
  return {
    apple: [
      ...(overrides.appleTestRoots ?? []),
      ...(files?.appleTestRootsFile === undefined ? [] : readPemCertificates(files.appleTestRootsFile)),
    ],
    android: [
      ...(overrides.androidTestRoots ?? []),
      ...(files?.androidTestRootsFile === undefined ? [] : readPemCertificates(files.androidTestRootsFile)),
    ],
  };
}

/** The debug credentials the config names, as the console lists them. */
function configuredDebugCredentials(config: Config) {
  return [...appPolicies(config).values()].flatMap((app) =>
    app.debugCredentials.map((credential) => ({
      appId: app.appId,
      name: credential.name,
      expires: credential.expires,
      ...(credential.audiences !== undefined ? { audiences: credential.audiences } : {}),
    })),
  );
}

/** The apps that accept debug evidence, with the audiences a credential for them may name. */
function debugApps(config: Config): ReadonlyMap<string, readonly string[]> {
  return new Map(
    [...appPolicies(config).values()]
      .filter((app) => app.evidence.has('debug'))
      .map((app) => [app.appId, app.audiences] as const),
  );
}

/** Builds the config-dependent parts of a shield on the lasting ones. Throws when it cannot. */
async function buildGeneration(config: Config, lasting: Lasting): Promise<Generation> {
  const { clock, logger, overrides, stores, keys, identifiers } = lasting;
  const development = config.mode === 'development';
  // Every route's policy is decided here, once: the gateway, the proof check, the limiter and
  // the start-up log all read these objects.
  const policies = compileRoutePolicies(config);
  const limits = await createShieldLimits(config, policies, {
    clock,
    logger,
    identifiers,
    store: lasting.limitStore,
  });

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

  const roots = testRoots(config, overrides);
  const platforms = await createPlatformVerifiers(config, {
    clock,
    logger,
    replay: stores.replay,
    appleTestRoots: roots.apple,
    androidTestRoots: roots.android,
    ...(overrides.fetch !== undefined ? { fetch: overrides.fetch } : {}),
  });
  const evidenceVerifiers = createEvidenceVerifiers({
    debug: createDebugVerifier({
      store: stores.debugCredentials,
      keyedHash: (credential) => identifiers.debugCredential(credential),
    }),
    ...platforms.evidenceVerifiers,
  });

  const attest = createAttestService({
    apps,
    stores,
    tokens: issuer,
    evidenceVerifiers,
    assertionVerifiers: platforms.assertionVerifiers,
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
    audit: (record) => lasting.audit(record),
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

  const handle = createPublicHandler({
    attest,
    gateway,
    jwks: () => keys.jwksHttp(),
    ready: lasting.ready,
    audit: (record, platform) => lasting.audit(record, platform),
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

  let closed: Promise<void> | undefined;
  const generation: Generation = {
    config,
    policies,
    handle,
    limits,
    tokenStats: () => verifier.stats(),
    gatewayStats: () => gateway.stats(),
    async start() {
      await platforms.start();
      keyMaintenance.start();
    },
    stop() {
      platforms.stop();
      keyMaintenance.stop();
    },
    close() {
      closed ??= (async () => {
        await gateway.close();
        await limits.close();
      })();
      return closed;
    },
    inFlight: 0,
    retired: false,
    leave: () => {
      generation.inFlight--;
      if (generation.retired && generation.inFlight === 0) {
        generation
          .close()
          .catch((error: unknown) =>
            logger.error({ err: errorDetails(error) }, 'closing the parts of the previous config failed'),
          );
      }
    },
  };
  return generation;
}

function logRoutes(policies: readonly RoutePolicy[], logger: Logger): void {
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
}

/** Counters of the generations a reload replaced, so that `_total` metrics never go down. */
function addCounters(into: Record<string, number>, from: Record<string, number>): void {
  for (const [name, value] of Object.entries(from)) {
    if (name.endsWith('_total')) into[name] = (into[name] ?? 0) + value;
  }
}

/**
 * Builds a shield from a loaded config: stores, keys, verifiers, gateway and the public listener.
 * Refuses (throws) rather than start half-configured: a missing root file, an unreachable store,
 * a bad key directory, a TLS certificate and key that do not go together. `reload` swaps the
 * config-dependent parts later (SIGHUP in `portcullis start`).
 */
export async function createShield(config: Config, overrides: ShieldOverrides = {}): Promise<Shield> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logging.level });
  const development = config.mode === 'development';
  if (development && process.env['NODE_ENV'] === 'production') {
    throw new Error('refusing to start: mode is development while NODE_ENV=production (A8-05)');
  }
  const instance = config.instanceId ?? `portcullis-${randomUUID().slice(0, 8)}`;
  const requestMetrics = createRequestMetrics();
  const tls = config.listen.tls === undefined ? undefined : await readListenTls(config.listen.tls, readText);

  const stores =
    overrides.stores ??
    (await createStores(config.store, {
      onError: (error) => {
        requestMetrics.storeError('state', error.reason);
        logger.error({ err: { name: error.name, message: error.message } }, 'store trouble');
      },
    }));
  const limitStore = await createShieldLimitStore(config, {
    logger,
    onError: (reason) => requestMetrics.storeError('limits', reason),
  });
  const keys = createKeyStore({ dir: config.keys.dir, alg: config.keys.alg, clock });
  await keys.load();
  // Beside the signing keys, so every instance sharing the key directory hashes identifiers alike.
  const identifiers = createIdentifierHasher(
    await loadIdentifierKey(config.keys.dir, { create: true, now: clock.now() }),
  );

  const auditWriter = createAuditWriter({
    log: stores.audit,
    instance,
    onFailure: (kind, error) =>
      logger.error(
        { kind, err: error instanceof Error ? { name: error.name, message: error.message } : undefined },
        'audit write failed',
      ),
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
  const lasting: Lasting = {
    clock,
    logger,
    overrides,
    stores,
    limitStore,
    keys,
    identifiers,
    audit(record, platform) {
      requestMetrics.observe(record, platform);
      auditWriter.write(record);
    },
    ready: () => (closing ? Promise.resolve(false) : readiness()),
    requestMetrics,
  };

  // Requests the HTTP server refuses before any handler (malformed, too slow, CONNECT, no version,
  // no Host, a protocol upgrade) are audited too, by the socket peer's address.
  const auditRefusal =
    (event: 'gateway' | 'admin') =>
    (refusal: ClientErrorEvent): void => {
      const status = ERROR_CODES[refusal.code].status;
      lasting.audit({
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

  let current = await buildGeneration(config, lasting);
  const retiredCounters: Record<string, number> = {};
  const stats = () => {
    const now = shieldStats({
      audit: auditWriter.stats(),
      limits: current.limits,
      tokens: current.tokenStats(),
      gateway: current.gatewayStats(),
    });
    for (const [name, value] of Object.entries(retiredCounters)) now[name] = (now[name] ?? 0) + value;
    return now;
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
          stats,
          families: () => requestMetrics.families(),
          ...(overrides.gatherMetrics === undefined ? {} : { gather: overrides.gatherMetrics }),
          audit: (record) => auditWriter.write(record),
          // The handler outlives reloads: everything a reload may change is read from the
          // current generation when asked, so the console shows the policy in force.
          rotateKey: () =>
            keys.rotate({
              retireAfterSeconds:
                current.config.tokens.maxTtlSeconds + current.config.tokens.clockToleranceSeconds,
              publishAheadSeconds: current.config.keys.publishAheadSeconds,
            }),
          routes: () => routeViews(current.policies),
          debugCredentials: {
            // Secure by default: issuing at run time is off in production unless the config says so.
            // `admin` and `mode` need a restart, so this one is fixed for the process.
            issuing: config.admin.debugCredentials ?? development,
            get configured() {
              return configuredDebugCredentials(current.config);
            },
            get apps() {
              return debugApps(current.config);
            },
            keyedHash: (credential) => identifiers.debugCredential(credential),
          },
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

  // Each request is served whole by the generation that was current when it arrived.
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const generation = current;
    generation.inFlight++;
    res.once('close', generation.leave);
    generation.handle(req, res);
  };
  const server = createHttpServer(dispatch, {
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    onClientError: auditRefusal('gateway'),
    ...(tls === undefined ? {} : { tls }),
  });

  if (development) {
    const roots = testRoots(config, overrides);
    logger.warn(
      {
        mode: 'development',
        testRoots: roots.apple.length + roots.android.length,
      },
      'DEVELOPMENT MODE: test-kit roots may be trusted and tokens they yield are marked dev; never run this in production',
    );
  }
  logRoutes(current.policies, logger);

  let started = false;
  let reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true, kept: [] });
  const refuse = (reason: string, problems: string[]): ReloadOutcome => {
    logger.error({ reason, problems }, 'config reload refused: the running config stays in force');
    return { ok: false, reason, problems };
  };
  const applyReload = async (next: Config): Promise<ReloadOutcome> => {
    const running = current.config;
    if (next.mode !== running.mode) {
      return refuse('mode changed', [
        `mode: the running shield is ${running.mode} and the file says ${next.mode}; changing the mode needs a restart`,
      ]);
    }
    const { config: effective, kept } = keepRestartOnly(running, deepFreeze(next));
    for (const setting of kept) {
      logger.warn(
        { setting },
        `config reload: ${setting} changed, which needs a restart; the running value is kept`,
      );
    }
    let context: Awaited<ReturnType<typeof readListenTls>> | undefined;
    let generation: Generation | undefined;
    try {
      if (effective.listen.tls !== undefined) context = await readListenTls(effective.listen.tls, readText);
      generation = await buildGeneration(deepFreeze(effective), lasting);
      if (started) await generation.start();
    } catch (error) {
      generation?.stop();
      await generation?.close().catch(() => undefined);
      return refuse('the new config cannot be applied', [
        error instanceof Error ? error.message : String(error),
      ]);
    }
    if (context !== undefined) (server as HttpsServer).setSecureContext(context);
    const previous = current;
    current = generation;
    logger.level = effective.logging.level;
    previous.stop();
    previous.retired = true;
    addCounters(
      retiredCounters,
      shieldStats({
        audit: { pending: 0, written: 0, failed: 0, dropped: 0 },
        limits: previous.limits,
        tokens: previous.tokenStats(),
        gateway: previous.gatewayStats(),
      }),
    );
    if (previous.inFlight === 0) {
      previous
        .close()
        .catch((error: unknown) =>
          logger.error({ err: errorDetails(error) }, 'closing the parts of the previous config failed'),
        );
    }
    logRoutes(generation.policies, logger);
    logger.info(
      {
        routes: effective.routes.length,
        apps: Object.keys(effective.apps).length,
        secrets: Object.keys(effective.secrets).length,
        kept,
        inFlight: previous.inFlight,
      },
      'config reloaded',
    );
    return { ok: true, kept: [...kept] };
  };

  return {
    get config() {
      return current.config;
    },
    keys,
    stores,
    logger,
    server,
    adminServer,
    async listen(port = config.listen.port, host = config.listen.host) {
      // Trust material first: the port opens once the Android status list is loaded (or its
      // failure logged), so no attestation is judged without it.
      await current.start();
      started = true;
      let url: string;
      try {
        url = await listenOn(server, port, host, tls === undefined ? 'http' : 'https');
      } catch (error) {
        current.stop();
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
          current.stop();
          throw error;
        }
      }
      logger.info({ url, instance }, 'listening');
      return url;
    },
    reload(next) {
      reloading = reloading.then(
        () => applyReload(next),
        () => applyReload(next),
      );
      return reloading;
    },
    metricFamilies: () => admin?.collectMetrics() ?? requestMetrics.families(),
    async close() {
      closing = true;
      current.stop();
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
      await current.close();
      await auditWriter.flush();
      await limitStore.close();
      await stores.close();
    },
  };
}

/** A ConfigError as log lines (file:line:column, message, fix); never holds a resolved value. */
export function reloadProblems(error: unknown): string[] {
  if (error instanceof ConfigError)
    return formatConfigError(error)
      .split('\n')
      .filter((line) => line !== '');
  return [error instanceof Error ? error.message : String(error)];
}

const readText = (path: string): Promise<string> => readFile(path, 'utf8');
