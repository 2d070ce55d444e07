import { FORMATS, isLoopbackHostname, parseUrl } from './fields.js';
import { yamlText } from './yaml-text.js';

/** Options of `renderInitConfig`. */
export interface InitConfigOptions {
  /** The shield's public URL (https; http only for a loopback host or in development). */
  issuer: string;
  /** Port of the public listener. Default 8080. */
  port?: number;
  /** Address of the public listener. Default 127.0.0.1. */
  host?: string;
  /** Default production. */
  mode?: 'production' | 'development';
  /** Id of the first app. Default `myapp`. */
  appId?: string;
  /** iOS identity of the app: Team ID and bundle id. */
  ios?: { teamId: string; bundleId: string };
  /** Android identity of the app: package name and signing certificate SHA-256. */
  android?: { packageName: string; signingCertSha256: string };
  /** Where the example route forwards to. Default http://127.0.0.1:3000. */
  upstream?: string;
  /** Path or URL of the JSON Schema for the editor modeline. Default: none. */
  schemaPath?: string;
}

/** The recipient fields of the e-mail example, budgeted together. */
const RECIPIENT_PATHS = '["$.to", "$.cc", "$.bcc"]';

function check(ok: boolean, message: string): void {
  if (!ok) throw new TypeError(message);
}

function checkOptions(options: InitConfigOptions): void {
  const issuer = parseUrl(options.issuer);
  check(
    issuer !== undefined && ['http:', 'https:'].includes(issuer.protocol),
    'issuer must be an http(s) URL',
  );
  check(
    options.mode === 'development' ||
      issuer?.protocol === 'https:' ||
      isLoopbackHostname(issuer?.hostname ?? ''),
    'issuer must be https in production (http only for a loopback host)',
  );
  const port = options.port ?? 8080;
  check(Number.isInteger(port) && port >= 1 && port <= 65535, 'port must be 1-65535');
  check(FORMATS.appId.pattern.test(options.appId ?? 'myapp'), `appId: ${FORMATS.appId.message}`);
  if (options.ios !== undefined) {
    check(FORMATS.teamId.pattern.test(options.ios.teamId), `ios.teamId: ${FORMATS.teamId.message}`);
    check(FORMATS.bundleId.pattern.test(options.ios.bundleId), `ios.bundleId: ${FORMATS.bundleId.message}`);
  }
  if (options.android !== undefined) {
    check(
      FORMATS.packageName.pattern.test(options.android.packageName),
      `android.packageName: ${FORMATS.packageName.message}`,
    );
    check(
      FORMATS.certSha256.pattern.test(options.android.signingCertSha256),
      `android.signingCertSha256: ${FORMATS.certSha256.message}`,
    );
  }
  const upstream = parseUrl(options.upstream ?? 'http://127.0.0.1:3000');
  check(
    upstream !== undefined &&
      ['http:', 'https:'].includes(upstream.protocol) &&
      upstream.search === '' &&
      upstream.username === '',
    'upstream must be an http(s) URL without credentials or query',
  );
}

function appSection(options: InitConfigOptions, appId: string): string {
  const { ios, android } = options;
  if (ios === undefined && android === undefined) {
    return `## Apps, by app id (lower-case letters, digits, ".", "_", "-"). Give an app an ios or android
## section (or both); \`portcullis init --help\` shows the options that fill them in.
apps: {}
`;
  }
  const iosText =
    ios === undefined
      ? ''
      : `    ## App Attest: keys are bound to H(teamId + "." + bundleId). Development-environment keys
    ## come from Xcode builds: accept them only in development.
    ios:
      teamId: ${yamlText(ios.teamId)}
      bundleIds: [${yamlText(ios.bundleId)}]
      environments: [production]
`;
  const androidText =
    android === undefined
      ? ''
      : `    ## Android: key attestation, and optionally Play Integrity.
    android:
      packageName: ${yamlText(android.packageName)}
      ## SHA-256 of the app signing certificate (Play Console, App integrity).
      signingCertSha256:
        - ${yamlText(android.signingCertSha256)}
      ## strict: TEE or StrongBox keys, verified boot and a locked bootloader. lenient drops the
      ## last two, and the devices it lets in get level basic (their OS could name any app); each
      ## can also be set on its own (minSecurityLevel, requireVerifiedBoot, ...).
      keyAttestation:
        policy: strict
        # minOsPatchLevel: 202401
        # minAppVersion: 1
      ## Play Integrity standard requests are decoded by Google with a service account; classic
      ## requests can be decoded here with decode: local, decryptionKey and verificationKey.
      # playIntegrity:
      #   decode: google
      #   serviceAccountFile: ./play-integrity-service-account.json
      #   minDeviceRecognition: MEETS_DEVICE_INTEGRITY
`;
  return `## Apps, by app id (lower-case letters, digits, ".", "_", "-").
apps:
  ${appId}:
    ## The APIs its tokens are for (the \`aud\` claim).
    audiences: [${yamlText(appId)}]
    ## Lifetime of its tokens, at most tokens.maxTtlSeconds.
    tokenTtlSeconds: 300
    ## A device attests again after this (refreshes are re-checked against this config anyway).
    registrationMaxAge: 30d
    ## Evidence kinds that may mint a token. Default: every kind the sections below allow.
    # evidence: [${[ios === undefined ? '' : 'apple-app-attest', android === undefined ? '' : 'android-key-attestation'].filter((kind) => kind !== '').join(', ')}]
${iosText}${androidText}    ## Debug credentials for simulators, emulators and CI: only their SHA-256 is stored. Tokens
    ## they mint say lvl: debug: in production only routes that write level: debug admit them.
    # debugTokens:
    #   - name: ci
    #     sha256: \${env:PORTCULLIS_CI_DEBUG_TOKEN_SHA256}
    #     expires: 2027-01-01
`;
}

/**
 * The commented `portcullis.yaml` that `portcullis init` writes: every section explained, safe
 * defaults, secrets only as `${env:...}` references. It loads as written (with no environment
 * variable needed); lines starting with `# ` are optional settings, `## ` lines explain.
 *
 * @example
 * ```ts
 * await writeFile('portcullis.yaml', renderInitConfig({ issuer: 'https://shield.example.com' }));
 * ```
 */
export function renderInitConfig(options: InitConfigOptions): string {
  checkOptions(options);
  const appId = options.appId ?? 'myapp';
  const hasApp = options.ios !== undefined || options.android !== undefined;
  const modeline =
    options.schemaPath === undefined ? '' : `# yaml-language-server: $schema=${options.schemaPath}\n`;
  return `${modeline}## Portcullis configuration, written by \`portcullis init\`. Reference: docs/config.md.
## "## " lines explain; "# " lines are optional settings: remove the "# " to use one.
## Check the file with: portcullis check --config portcullis.yaml
## Secrets never go in this file: write \${env:NAME} (an environment variable) or \${file:PATH}
## (a file, relative to this one). Write $\${ for a literal "\${".

## production (default) or development. Only development trusts the test kit's software devices
## and allows an http issuer on a non-loopback host; it is refused when NODE_ENV=production.
mode: ${options.mode ?? 'production'}

## The shield's public URL: the \`iss\` of its tokens.
issuer: ${yamlText(options.issuer)}
## Name of this instance in audit records.
# instanceId: \${env:HOSTNAME}

## The public listener: attestation endpoints, JWKS and the gateway.
listen:
  host: ${yamlText(options.host ?? '127.0.0.1')}
  port: ${options.port ?? 8080}

## The admin listener (admin API: audit, devices, revocation, keys, metrics): keep it on loopback. Only the SHA-256 of
## its bearer token is stored: printf %s "$TOKEN" | sha256sum
# admin:
#   host: 127.0.0.1
#   port: 9090
#   tokenSha256: \${env:PORTCULLIS_ADMIN_TOKEN_SHA256}

## Limits of the public listener.
http:
  maxBodyBytes: 1048576
  maxUrlBytes: 8192
  maxHeaders: 100
  headersTimeoutMs: 15000
  requestTimeoutMs: 30000
  keepAliveTimeoutMs: 5000
  ## Proxies whose Forwarded / X-Forwarded-For headers are believed (IPs or CIDRs).
  # trustedProxies: [10.0.0.0/8]

## State: challenges, devices, replay marks, limits, audit. sqlite serves one instance with no
## setup; several instances share kind: redis+postgres with redisUrl and postgresUrl (write
## those as \${env:NAME} when they hold passwords); memory is for tests.
store:
  kind: sqlite
  path: ./data/portcullis.db

## Token signing keys (ES256 or EdDSA), kept in a folder that only the shield can read.
keys:
  dir: ./data/keys
  alg: ES256
  # rotateEveryDays: 30
  # publishAheadSeconds: 3600

## App tokens: clock leeway (at most 60 s) and the longest lifetime any app may ask for.
tokens:
  clockToleranceSeconds: 30
  maxTtlSeconds: 3600

## Attestation challenges are single-use and expire after ttlSeconds (at most 600).
challenges:
  ttlSeconds: 300

## Trust anchors: the Apple and Google roots are built in; files here replace them.
trust:
  # appleRootsFile: ./roots/apple-app-attestation-root.pem
  # androidRootsFile: ./roots/google-attestation-roots.pem
  ## Revoked Android attestation keys: Google's status list, refreshed and cached.
  androidRevocation:
    url: https://android.googleapis.com/attestation/status
    # file: ./data/android-attestation-status.json
    refreshSeconds: 3600
    maxAgeSeconds: 172800
    ## refuse (default): refuse Android key attestations while the list is older than maxAgeSeconds.
    onStale: refuse

logging:
  ## fatal, error, warn, info, debug, trace or silent.
  level: info

${appSection(options, appId)}
## Provider secrets the gateway injects into upstream requests, by name. Values come from
## references; inject them with \${secret:NAME} in a route's inject.headers.
# secrets:
#   upstream_api_key: \${env:UPSTREAM_API_KEY}

## Routes. Each route is either public: true or requires a token (nothing is open by accident),
## and no two routes may match the same request. A last path segment * matches one segment,
## ** the rest of the path.
routes:
  - id: api
    match:
      methods: [GET, POST, PUT, PATCH, DELETE]
      path: /api/**
    upstream: ${yamlText(options.upstream ?? 'http://127.0.0.1:3000')}
    require:
      token: true
      ## Lowest assurance level: debug, basic, device or hardware. Default: basic in production
      ## (attested devices only), debug in development.
      # level: device
${hasApp ? `      # apps: [${appId}]\n      ## Only tokens whose aud holds one of these. Default: the admitted apps' audiences.\n      # audiences: [${yamlText(appId)}]\n` : ''}      ## Require a per-request proof signed by the device key.
      # proof: true
    # stripPrefix: /api
    # inject:
    #   headers:
    #     authorization: Bearer \${secret:upstream_api_key}
    # limits:
    #   - { per: device, max: 60, window: 1m }
    #   - { per: global, max: 5000, window: 1m }
    # maxBodyBytes: 65536
    # timeouts: { connectMs: 2000, headersMs: 10000, bodyMs: 30000 }
  ## A route that sends e-mail or SMS through a provider: budget its recipients (every address in
  ## to, cc and bcc, however they are packed: count: addresses) per device, per IP and per app.
  ## Each newly attested device starts with a full device budget, so the per-IP and per-app
  ## budgets are what stop a farm of devices.
  # - id: email-send
  #   match: { methods: [POST], path: /email/send }
  #   upstream: ${yamlText(options.upstream ?? 'http://127.0.0.1:3000')}
  #   require: { token: true, level: device }
  #   limits:
  #     - { per: device, max: 5, window: 10m }
  #     - { per: device, max: 50, window: 1d, name: recipients, cost: { paths: ${RECIPIENT_PATHS}, count: addresses } }
  #     - { per: ip, max: 200, window: 1d, name: recipients-ip, cost: { paths: ${RECIPIENT_PATHS}, count: addresses } }
  #     - { per: app, max: 2000, window: 1d, name: recipients-app, cost: { paths: ${RECIPIENT_PATHS}, count: addresses } }
`;
}
