import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  type AndroidTestAuthority,
  type AppAttestTestAuthority,
  createAndroidTestAuthority,
  createAppAttestTestAuthority,
} from '@portcullis/testkit';
import { parseConfig } from '../../src/config/index.js';
import { createShield, type Shield, type ShieldOverrides } from '../../src/server/create-shield.js';
import { createLogger } from '../../src/server/logger.js';

/** A recording upstream on 127.0.0.1: every request it receives, with headers and body. */
export interface Upstream {
  url: string;
  port: number;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const TEST_SECRET = `sk_test_canary_${randomBytes(12).toString('hex')}`;
export const DEBUG_CREDENTIAL = `dbg_${randomBytes(20).toString('base64url')}`;
export const ANDROID_SIGNING_DIGEST = 'ab'.repeat(32);

export interface LiveShield {
  shield: Shield;
  url: string;
  upstream: Upstream;
  apple: AppAttestTestAuthority;
  android: AndroidTestAuthority;
  /** Every log line the shield wrote. */
  logs: string[];
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }>;
  close(): Promise<void>;
}

/**
 * A real shield on 127.0.0.1 in front of a recording upstream, with a memory or SQLite store,
 * development mode trusting fresh test-kit roots, and the logs captured for inspection.
 */
export async function startLiveShield(
  options: {
    store?: 'memory' | 'sqlite';
    mode?: 'development' | 'production';
    overrides?: ShieldOverrides;
    /** YAML appended to the config (more routes, top-level sections); a function gets the upstream's URL. */
    extraYaml?: string | ((upstreamUrl: string) => string);
    /** The `shop` app's `android.keyAttestation` (YAML flow mapping); default the strict policy. */
    androidKeyAttestation?: string;
    /** `trust.androidRevocation` (YAML flow mapping); default an empty status list file. */
    androidRevocation?: string;
    /** Key directory (signing keys, identifier key); default a fresh one. Share it to play instances of one deployment. */
    keysDir?: string;
  } = {},
): Promise<LiveShield> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const upstream = await startUpstream();
  const apple = createAppAttestTestAuthority();
  const android = createAndroidTestAuthority();
  const mode = options.mode ?? 'development';
  const statusList = join(dir, 'android-status.json');
  await writeFile(statusList, '{"entries":{}}');
  const text = `
mode: ${mode}
issuer: https://shield.test.example
store: ${options.store === 'sqlite' ? `{ kind: sqlite, path: ${join(dir, 'db.sqlite')} }` : '{ kind: memory }'}
keys: { dir: ${options.keysDir ?? join(dir, 'keys')} }
logging: { level: info }
trust: { androidRevocation: ${options.androidRevocation ?? `{ file: ${statusList} }`} }
apps:
  shop:
    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [development, production] }
    android:
      packageName: com.example.shop
      signingCertSha256: ["${ANDROID_SIGNING_DIGEST}"]
${options.androidKeyAttestation === undefined ? '' : `      keyAttestation: ${options.androidKeyAttestation}\n`}    debugTokens:
      - { name: ci, sha256: "${createHash('sha256').update(DEBUG_CREDENTIAL).digest('hex')}", expires: 2099-01-01 }
  other:
    audiences: [other-api]
    debugTokens:
      - { name: other-ci, sha256: "${'0'.repeat(64)}", expires: 2099-01-01 }
secrets:
  provider: \${env:TEST_PROVIDER_SECRET}
routes:
  - id: pay
    match: { methods: [POST], path: /pay }
    upstream: ${upstream.url}
    require: { token: true, apps: [shop] }
    inject: { headers: { authorization: "Bearer \${secret:provider}" } }
    # Opted in: the identity-header tests read them here (a route that injects a secret gets none by default).
    identityHeaders: [app, level, platform, token-id, device, client-address]
  - id: strong
    match: { methods: [POST], path: /strong }
    upstream: ${upstream.url}
    require: { token: true, level: hardware }
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: ${upstream.url}
    public: true
${typeof options.extraYaml === 'function' ? options.extraYaml(upstream.url) : (options.extraYaml ?? '')}`;
  const config = await parseConfig(text, {
    sourceName: 'test.yaml',
    baseDir: dir,
    env: { TEST_PROVIDER_SECRET: TEST_SECRET },
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const shield = await createShield(config, {
    appleTestRoots: [apple.root],
    androidTestRoots: [android.root],
    logger: createLogger({ level: 'debug', destination }),
    ...options.overrides,
  });
  const url = await shield.listen(0, '127.0.0.1');
  return {
    shield,
    url,
    upstream,
    apple,
    android,
    logs,
    async post(path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      return { status: response.status, body: parsed, headers: response.headers, text };
    },
    async close() {
      await shield.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
