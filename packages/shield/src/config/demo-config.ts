import { join } from 'node:path';
import { FORMATS, parseIsoDate } from './fields.js';
import { yamlText } from './yaml-text.js';

/** Options of `demoConfigText`. */
export interface DemoConfigOptions {
  /** Port of the demo shield (1-65535); the issuer is http://127.0.0.1:<shieldPort>. */
  shieldPort: number;
  /** Port of the demo shop backend on 127.0.0.1 (1-65535). */
  upstreamPort: number;
  /** Folder for the SQLite database and the signing keys. */
  dataDir: string;
  /** SHA-256 (hex) of the demo debug token. */
  debugTokenSha256: string;
  /** Expiry of the demo debug token (ISO date or date-time). Passed in: never computed from the clock here. */
  debugTokenExpires: string;
  /**
   * SHA-256 of the Android signing certificate the demo app is accepted with. Default: a fixed
   * placeholder, matched by no real app.
   */
  androidSigningCertSha256?: string;
}

/** Placeholder signing-certificate digest of the demo app (no real app is signed with it). */
export const DEMO_SIGNING_CERT_SHA256 = 'de00000000000000000000000000000000000000000000000000000000000000';

function checkPort(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new TypeError(`${name} must be a port (1-65535)`);
}

/**
 * The config of the `shop` seed scenario (development mode, one app, three routes), as YAML.
 * Its secrets come from SHOP_EMAIL_API_KEY and SHOP_PAYMENTS_API_KEY, so it loads only with
 * those set. `examples/shop/portcullis.yaml` is the same scenario with ports and paths taken
 * from the environment.
 *
 * @example
 * ```ts
 * const text = demoConfigText({ shieldPort: 8080, upstreamPort: 3000, dataDir: '/tmp/demo',
 *   debugTokenSha256: sha256hex(token), debugTokenExpires: '2027-01-01' });
 * ```
 */
export function demoConfigText(options: DemoConfigOptions): string {
  checkPort('shieldPort', options.shieldPort);
  checkPort('upstreamPort', options.upstreamPort);
  if (options.dataDir === '') throw new TypeError('dataDir must not be empty');
  if (!FORMATS.sha256Hex.pattern.test(options.debugTokenSha256)) {
    throw new TypeError('debugTokenSha256 must be 64 hex digits');
  }
  if (parseIsoDate(options.debugTokenExpires) === undefined) {
    throw new TypeError('debugTokenExpires must be an ISO date or date-time');
  }
  const digest = options.androidSigningCertSha256 ?? DEMO_SIGNING_CERT_SHA256;
  if (!FORMATS.certSha256.pattern.test(digest))
    throw new TypeError('androidSigningCertSha256 must be a SHA-256 in hex');
  const upstream = `http://127.0.0.1:${options.upstreamPort}`;
  return `# Portcullis demo: the "shop" seed scenario. Development mode: never use it in production.
# Secrets come from the environment: SHOP_EMAIL_API_KEY, SHOP_PAYMENTS_API_KEY.
mode: development
issuer: http://127.0.0.1:${options.shieldPort}
listen:
  host: 127.0.0.1
  port: ${options.shieldPort}
store:
  kind: sqlite
  path: ${yamlText(join(options.dataDir, 'portcullis.db'))}
keys:
  dir: ${yamlText(join(options.dataDir, 'keys'))}
apps:
  shop:
    audiences: [shop-api]
    ios:
      teamId: ABCDE12345
      bundleIds: [com.example.shop]
      environments: [development, production]
    android:
      packageName: com.example.shop
      signingCertSha256:
        - ${yamlText(digest)}
    debugTokens:
      - name: demo
        sha256: ${yamlText(options.debugTokenSha256)}
        expires: ${yamlText(options.debugTokenExpires)}
secrets:
  email_api_key: \${env:SHOP_EMAIL_API_KEY}
  payments_api_key: \${env:SHOP_PAYMENTS_API_KEY}
routes:
  # The payment route needs a per-request proof signed by the device key (so a copied token is
  # worth nothing), and a genuine device may start 3 payment sessions an hour (card testing).
  - id: payments-session
    match: { methods: [POST], path: /payments/session }
    upstream: ${upstream}
    require: { token: true, apps: [shop], proof: true }
    limits:
      - { per: device, max: 3, window: 1h, name: payments }
    inject:
      headers:
        x-provider-key: \${secret:payments_api_key}
  # No minimum level: the demo's debug token may send e-mail. A real shop sets level: device.
  # A budget: 20 recipients a day per client address, however they are split over requests.
  - id: email-send
    match: { methods: [POST], path: /email/send }
    upstream: ${upstream}
    require: { token: true }
    limits:
      - { per: ip, max: 20, window: 1d, name: recipients, cost: { paths: [$.to] } }
    inject:
      headers:
        x-provider-key: \${secret:email_api_key}
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: ${upstream}
    public: true
`;
}
