import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizationBindingHash } from '@portcullis/protocol';
import type { Config } from '../config/index.js';
import { appPolicies } from '../server/app-policies.js';
import { createShield } from '../server/create-shield.js';
import { attestationOf } from '../server/device-standing.js';
import { createLogger, type Logger } from '../server/logger.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import { createTokenIssuer } from '../tokens/index.js';
import type { ProbeDevice, ProbeEnvironment } from './probe-types.js';
import { startEchoUpstream } from './start-echo-upstream.js';

/**
 * The config a dry run starts: the owner's, with everything that would touch the outside world or
 * the owner's state replaced. Loopback on a free port, no admin listener, one process, memory
 * stores, a fresh key directory, every upstream replaced by the echo upstream (same base path, no
 * private CA), and limits set to monitor so the probe's own requests are not refused by them.
 */
export function dryRunConfig(config: Config, echoOrigin: string, keysDir: string): Config {
  const { admin: _admin, ...rest } = config;
  return {
    ...rest,
    listen: { host: '127.0.0.1', port: 0 },
    workers: 1,
    store: { kind: 'memory' },
    keys: { ...config.keys, dir: keysDir },
    routes: config.routes.map((route) => {
      const { tls: _tls, ...kept } = route;
      const base = new URL(route.upstream).pathname;
      return {
        ...kept,
        upstream: `${echoOrigin}${base === '/' ? '' : base}`,
        limitMode: 'monitor' as const,
        limits: route.limits.map((limit) => ({ ...limit, mode: 'monitor' as const })),
      };
    }),
  };
}

/** Outbound calls (Google's status list, Play Integrity decoding) are refused in a dry run. */
const noOutboundCalls: typeof fetch = () => Promise.reject(new Error('a dry run makes no outbound call'));

/**
 * Starts the shield of `config` on 127.0.0.1 as `dryRunConfig` describes, in front of a built-in
 * echo upstream, and gives the probe what an owner has: the signing key (to mint tokens of any
 * app, level, audience or age) and the device store (to register and revoke device keys). Nothing
 * it does leaves the machine or touches the owner's stores and keys.
 */
export async function startDryRun(
  config: Config,
  options: { logger?: Logger } = {},
): Promise<ProbeEnvironment> {
  const policies = appPolicies(config);
  const echo = await startEchoUpstream();
  const keysDir = await mkdtemp(join(tmpdir(), 'portcullis-probe-'));
  const stores = createMemoryStores();
  let shield: Awaited<ReturnType<typeof createShield>>;
  let url: string;
  try {
    shield = await createShield(dryRunConfig(config, echo.url, join(keysDir, 'keys')), {
      stores,
      logger: options.logger ?? createLogger({ level: 'silent' }),
      fetch: noOutboundCalls,
    });
    url = await shield.listen(0, '127.0.0.1');
  } catch (error) {
    await echo.close();
    await rm(keysDir, { recursive: true, force: true });
    throw error;
  }

  const environment: ProbeEnvironment = {
    mode: 'dry-run',
    url: new URL(url),
    config,
    echoRoute: null,
    dryRun: {
      upstream: echo.requests,
      async mint(spec) {
        const offsetMs = (spec.offsetSeconds ?? 0) * 1000;
        const issuer = createTokenIssuer({
          keys: shield.keys,
          issuer: spec.issuer ?? config.issuer,
          clock: { now: () => Date.now() + offsetMs },
          maxTtlSeconds: 86400,
        });
        const { token } = await issuer.issue({
          sub: spec.app,
          aud: spec.audiences ?? [...(config.apps[spec.app]?.audiences ?? [spec.app])],
          plt: spec.platform,
          lvl: spec.level,
          ...(spec.device !== undefined ? { cnf: { kid: spec.device.kid, jwk: spec.device.jwk } } : {}),
          ...(spec.authorization !== undefined ? { ath: authorizationBindingHash(spec.authorization) } : {}),
          ttlSeconds: spec.ttlSeconds ?? 300,
        });
        return token;
      },
      async device(app, deviceOptions = {}) {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const exported = publicKey.export({ format: 'jwk' });
        const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: exported.x!, y: exported.y! };
        const kid = randomBytes(32).toString('base64url');
        const now = Date.now();
        await stores.devices.register({
          keyId: kid,
          appId: app,
          platform: 'android',
          level: 'hardware',
          publicKeyJwk: jwk,
          counter: 0,
          receipt: null,
          testRoot: false,
          // As if the key had been attested with Android key attestation under today's policy:
          // proofs and refreshes re-check that record (an app that accepts no Android key
          // attestation refuses the key, and the proof cases say so).
          attestation:
            policies.get(app) === undefined
              ? null
              : attestationOf(policies.get(app)!, {
                  evidence: ['android-key-attestation'],
                  environment: null,
                }),
          firstSeen: now,
        });
        if (deviceOptions.revoked === true) await stores.devices.revoke(kid, 'probe', now);
        const device: ProbeDevice = {
          kid,
          jwk,
          sign: (message) => sign('sha256', Buffer.from(message, 'utf8'), privateKey),
        };
        return device;
      },
    },
    async debugToken(app) {
      if (config.apps[app] === undefined) return null;
      return environment.dryRun!.mint({ app, level: 'debug', platform: 'debug' });
    },
    async close() {
      await shield.close();
      await echo.close();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
  return environment;
}
