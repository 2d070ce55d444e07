import {
  BENCH_APP,
  BENCH_AUDIENCE,
  BENCH_ISSUER,
  DEVICE_LIMIT_MAX,
  PROVIDER_HEADER,
  STREAM_UPSTREAM_PATH,
} from './bench-constants.js';

/** Options of {@link portcullisConfigText}. */
export interface PortcullisConfigOptions {
  /** Port of the upstream on 127.0.0.1. */
  upstreamPort: number;
  /** Store of this setup: memory (one process only), an SQLite file, or Redis and PostgreSQL. */
  store:
    | { kind: 'memory' }
    | { kind: 'sqlite'; path: string }
    | { kind: 'redis+postgres'; redisUrl: string; postgresUrl: string };
  /** Key directory shared by every Portcullis setup of the run, so one token serves them all. */
  keysDir: string;
  /**
   * A local Android attestation status list (an empty one will do): the app accepts Android key
   * attestation, because the proof setups' device is an Android key, and a production shield
   * needs a revocation list for that.
   */
  androidStatusFile: string;
  /** Count the per-device and per-IP limits on the measured routes (default true). */
  limits?: boolean;
  /** Add {@link PROOF_PATH}: the measured route again, with a per-request proof required. */
  proofRoute?: boolean;
  /**
   * Add the streaming routes: {@link PLAIN_STREAM_PATH} (token, no secret: the body is relayed as
   * it is) and {@link SCANNED_STREAM_PATH} (token, the provider key injected: the body is scanned
   * for it), both to the upstream's large answer, without limits.
   */
  streamRoutes?: boolean;
}

/** The large answer through a route that injects no secret. */
export const PLAIN_STREAM_PATH = `/plain${STREAM_UPSTREAM_PATH}`;
/** The large answer through a route that injects the provider key, so its body is scanned. */
export const SCANNED_STREAM_PATH = `/scanned${STREAM_UPSTREAM_PATH}`;

/** Path of the proof-protected copy of the measured route (the upstream sees BENCH_PATH). */
export const PROOF_PATH = '/proof/items';

/** Route id of the probe that shows whether route limits are enforced (2 requests per hour). */
export const LIMIT_PROBE_PATH = '/probe/limited';
/** Requests the limit probe allows before it must answer 429. */
export const LIMIT_PROBE_MAX = 2;

/**
 * The realistic config the benchmark runs: production mode, one app, the measured route requires
 * a token of that app, counts a per-device and a per-IP limit and injects the provider key. A second route
 * with a tiny limit lets the harness see whether limits are enforced at all. The secret comes
 * from BENCH_SECRET in the environment, as an operator's would.
 */
export function portcullisConfigText(options: PortcullisConfigOptions): string {
  const store =
    options.store.kind === 'memory'
      ? '{ kind: memory }'
      : options.store.kind === 'sqlite'
        ? `{ kind: sqlite, path: ${JSON.stringify(options.store.path)} }`
        : `{ kind: redis+postgres, redisUrl: ${JSON.stringify(options.store.redisUrl)}, postgresUrl: ${JSON.stringify(options.store.postgresUrl)} }`;
  const upstream = `http://127.0.0.1:${options.upstreamPort}`;
  const limits =
    options.limits === false
      ? ''
      : `
    limits:
      - { per: device, max: ${DEVICE_LIMIT_MAX}, window: 1h }
      - { per: ip, max: ${DEVICE_LIMIT_MAX}, window: 1h }`;
  const proofRoute =
    options.proofRoute === true
      ? `
  - id: items-proof
    match: { methods: [GET], path: /proof/** }
    upstream: ${upstream}/api
    stripPrefix: /proof
    require: { token: true, apps: [${BENCH_APP}], proof: true }${limits}
    inject: { headers: { ${PROVIDER_HEADER}: "\${secret:provider}" } }`
      : '';
  const streamRoutes =
    options.streamRoutes === true
      ? `
  - id: stream-plain
    match: { methods: [GET], path: /plain/** }
    upstream: ${upstream}
    stripPrefix: /plain
    require: { token: true, apps: [${BENCH_APP}] }
  - id: stream-scanned
    match: { methods: [GET], path: /scanned/** }
    upstream: ${upstream}
    stripPrefix: /scanned
    require: { token: true, apps: [${BENCH_APP}] }
    inject: { headers: { ${PROVIDER_HEADER}: "\${secret:provider}" } }`
      : '';
  return `# Written by bench/run.ts for one benchmark run.
issuer: ${BENCH_ISSUER}
instanceId: bench
logging: { level: warn }
store: ${store}
keys: { dir: ${JSON.stringify(options.keysDir)} }
trust: { androidRevocation: { file: ${JSON.stringify(options.androidStatusFile)} } }
tokens: { maxTtlSeconds: 3600 }
http: { keepAliveTimeoutMs: 65000 }
apps:
  ${BENCH_APP}:
    audiences: [${BENCH_AUDIENCE}]
    tokenTtlSeconds: 3600
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [production] }
    android: { packageName: com.example.shop, signingCertSha256: ["${'ab'.repeat(32)}"] }
secrets:
  provider: \${env:BENCH_SECRET}
routes:
  - id: items
    match: { methods: [GET], path: /api/** }
    upstream: ${upstream}
    require: { token: true, apps: [${BENCH_APP}] }${limits}
    inject: { headers: { ${PROVIDER_HEADER}: "\${secret:provider}" } }${proofRoute}${streamRoutes}
  - id: limit-probe
    match: { methods: [GET], path: ${LIMIT_PROBE_PATH} }
    upstream: ${upstream}/api
    stripPrefix: /probe
    require: { token: true }
    limits: [{ per: route, max: ${LIMIT_PROBE_MAX}, window: 1h }]
    inject: { headers: { ${PROVIDER_HEADER}: "\${secret:provider}" } }
`;
}
