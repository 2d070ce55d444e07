/**
 * A real shield on loopback (the shield's own test harness: development mode, test-kit roots,
 * a debug credential) and the app tokens and proofs a real device would send it, for the
 * @portcullis/verify tests. Test code only: never packed.
 */
import { createHash } from 'node:crypto';
import { formatProofHeader, proofMessage } from '@portcullis/protocol';
import { createSoftwareAndroidDevice, createSoftwareAppAttestDevice } from '@portcullis/testkit';
import type { ShieldOverrides } from '../../../shield/src/server/create-shield.js';
import {
  ANDROID_SIGNING_DIGEST,
  DEBUG_CREDENTIAL,
  type LiveShield,
  startLiveShield,
} from '../../../shield/test/support/live-shield.js';

export const ISSUER = 'https://shield.test.example';
export const AUDIENCE = 'shop-api';
export const APPLE_APP_ID = 'ABCDE12345.com.example.shop';

/** A device that holds an app token bound to its key, and signs proofs like its platform. */
export interface MintedDevice {
  platform: 'ios' | 'android';
  token: string;
  /** The Portcullis-Proof value for one request (signed over `token`, by default the device's first token). */
  proof(request: {
    method: string;
    target: string;
    body?: Uint8Array;
    authorization?: string;
    timestampMs?: number;
    token?: string;
  }): string;
}

/** An Android device can also refresh its token by assertion. */
export interface MintedAndroidDevice extends MintedDevice {
  /** A fresh token by assertion (/v1/assert); with `bindTo`, bound to that Authorization value (`ath`). */
  refresh(bindTo?: string): Promise<string>;
}

export interface ShieldFixture {
  live: LiveShield;
  url: string;
  jwksUrl: string;
  /** A token from the debug credential: level debug, no device key. */
  debugToken(): Promise<string>;
  androidDevice(): Promise<MintedAndroidDevice>;
  iosDevice(): Promise<MintedDevice>;
  close(): Promise<void>;
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export async function startShieldFixture(
  options: { overrides?: ShieldOverrides; extraYaml?: string } = {},
): Promise<ShieldFixture> {
  const live = await startLiveShield({
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    ...(options.extraYaml === undefined ? {} : { extraYaml: options.extraYaml }),
  });

  async function challenge(): Promise<string> {
    const response = await live.post('/v1/challenge', { appId: 'shop' });
    if (response.status !== 200) throw new Error(`challenge: ${response.text}`);
    return response.body['challenge'] as string;
  }

  async function attest(evidence: unknown[]): Promise<string> {
    const response = await live.post('/v1/attest', { appId: 'shop', challenge: evidenceChallenge, evidence });
    if (response.status !== 200) throw new Error(`attest: ${response.text}`);
    return response.body['token'] as string;
  }
  let evidenceChallenge = '';

  function proofFor(token: string, sign: (message: string) => Uint8Array): MintedDevice['proof'] {
    return ({
      method,
      target,
      body = new Uint8Array(0),
      authorization,
      timestampMs = Date.now(),
      token: signed = token,
    }) => {
      const message = proofMessage({ method, target, body, timestampMs, token: signed, authorization });
      return formatProofHeader(timestampMs, sign(message));
    };
  }

  return {
    live,
    url: live.url,
    jwksUrl: `${live.url}/.well-known/jwks.json`,
    async debugToken() {
      evidenceChallenge = await challenge();
      return attest([{ type: 'debug', token: DEBUG_CREDENTIAL }]);
    },
    async androidDevice() {
      const device = createSoftwareAndroidDevice({
        authority: live.android,
        packageName: 'com.example.shop',
        signingCertSha256: ANDROID_SIGNING_DIGEST,
      });
      evidenceChallenge = await challenge();
      const token = await attest([
        { type: 'android-key-attestation', certificateChain: device.attest(evidenceChallenge) },
      ]);
      return {
        platform: 'android',
        token,
        async refresh(bindTo) {
          const value = await challenge();
          const response = await live.post(
            '/v1/assert',
            {
              appId: 'shop',
              challenge: value,
              keyId: device.keyId,
              assertion: Buffer.from(device.sign(new TextEncoder().encode(value))).toString('base64'),
              ...(bindTo === undefined ? {} : { bindAuthorization: true }),
            },
            bindTo === undefined ? {} : { authorization: bindTo },
          );
          if (response.status !== 200) throw new Error(`assert: ${response.text}`);
          return response.body['token'] as string;
        },
        proof: proofFor(token, (message) => device.sign(new TextEncoder().encode(message))),
      };
    },
    async iosDevice() {
      const device = createSoftwareAppAttestDevice({
        authority: live.apple,
        appId: APPLE_APP_ID,
        environment: 'production',
      });
      evidenceChallenge = await challenge();
      const token = await attest([
        {
          type: 'apple-app-attest',
          keyId: device.keyId,
          attestation: Buffer.from(device.attest(sha256(evidenceChallenge))).toString('base64'),
        },
      ]);
      return { platform: 'ios', token, proof: proofFor(token, (message) => device.assert(sha256(message))) };
    },
    close: () => live.close(),
  };
}
