/**
 * Helpers shared by the end-to-end attack tests: they drive a real shield (startLiveShield) the
 * way a client on the network would, and read what reached the upstream, the audit log and the
 * logs. Raw-socket requests go through the gateway harness's probe client.
 */
import assert from 'node:assert/strict';
import { type AppTokenClaims, formatProofHeader, proofMessage } from '@portcullis/protocol';
import { createSoftwareAppAttestDevice, type SoftwareAppAttestDevice } from '@portcullis/testkit';
import { type ProbeResult, probe } from '../../src/gateway/test-support/harness.js';
import type { AuditRecord } from '../../src/stores/ports.js';
import { createTokenIssuer } from '../../src/tokens/index.js';
import { DEBUG_CREDENTIAL, type LiveShield, sha256 } from '../support/live-shield.js';

/** The App ID of the live shield's `shop` app (team and bundle of its iOS identity). */
export const SHOP_APP_ID = 'ABCDE12345.com.example.shop';

/** Port of a live shield's public listener. */
export function portOf(live: LiveShield): number {
  return Number(new URL(live.url).port);
}

/**
 * Sends raw bytes to the live shield on a fresh connection (see the harness's `probe`). It waits
 * only 5 ms after the last expected response for a close: pass a longer `graceMs` when the test
 * asserts that the shield closed the connection.
 */
export function send(
  live: LiveShield,
  data: string | Buffer | (string | Buffer)[],
  options: Parameters<typeof probe>[2] = {},
): Promise<ProbeResult> {
  return probe(portOf(live), data, { timeoutMs: 3_000, graceMs: 5, ...options });
}

/** A fresh challenge for `appId`; fails the test when the shield does not issue one. */
export async function challengeFor(live: LiveShield, appId = 'shop'): Promise<string> {
  const response = await live.post('/v1/challenge', { appId });
  assert.equal(response.status, 200, response.text);
  return response.body['challenge'] as string;
}

/** A debug-level app token of `shop`, minted through the endpoints as a client would. */
export async function debugToken(live: LiveShield): Promise<string> {
  const challenge = await challengeFor(live);
  const response = await live.post('/v1/attest', {
    appId: 'shop',
    challenge,
    evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
  });
  assert.equal(response.status, 200, response.text);
  return response.body['token'] as string;
}

/** The `attest` body of an App Attest key for a challenge (the key attests itself). */
export function appleAttestBody(
  device: SoftwareAppAttestDevice,
  challenge: string,
  appId = 'shop',
): Record<string, unknown> {
  return {
    appId,
    challenge,
    evidence: [
      {
        type: 'apple-app-attest',
        keyId: device.keyId,
        attestation: Buffer.from(device.attest(sha256(challenge))).toString('base64'),
      },
    ],
  };
}

/** The `assert` body of a registered App Attest key for a challenge. */
export function appleAssertBody(
  device: SoftwareAppAttestDevice,
  challenge: string,
  appId = 'shop',
): Record<string, unknown> {
  return {
    appId,
    challenge,
    keyId: device.keyId,
    assertion: Buffer.from(device.assert(sha256(challenge))).toString('base64'),
  };
}

/** A software App Attest device of the live shield's test authority (production environment). */
export function appleDevice(live: LiveShield, appId = SHOP_APP_ID): SoftwareAppAttestDevice {
  return createSoftwareAppAttestDevice({ authority: live.apple, appId, environment: 'production' });
}

/** An App Attest device registered for `shop`, with its hardware-level token. */
export async function attestedAppleDevice(
  live: LiveShield,
): Promise<{ device: SoftwareAppAttestDevice; token: string }> {
  const device = appleDevice(live);
  const response = await live.post('/v1/attest', appleAttestBody(device, await challengeFor(live)));
  assert.equal(response.status, 200, response.text);
  return { device, token: response.body['token'] as string };
}

/**
 * A token signed by the live shield's own signing key with the given claims: what the shield
 * would mint for another app or level, for tests of the gateway's decisions on valid tokens.
 */
export async function mintToken(
  live: LiveShield,
  claims: Pick<AppTokenClaims, 'sub' | 'aud' | 'plt' | 'lvl'> & { cnf?: NonNullable<AppTokenClaims['cnf']> },
): Promise<string> {
  const issuer = createTokenIssuer({
    keys: live.shield.keys,
    issuer: live.shield.config.issuer,
    clock: { now: () => Date.now() },
  });
  const { token } = await issuer.issue({ ...claims, dev: true, ttlSeconds: 300 });
  return token;
}

/**
 * The audit rows once at least `count` exist (the audit writer is asynchronous), newest first.
 * Polls briefly; the caller's assertion fails with the rows found when fewer arrive.
 */
export async function auditRows(live: LiveShield, count = 1): Promise<AuditRecord[]> {
  let rows = await live.shield.stores.audit.query({ limit: 1000 });
  for (let i = 0; i < 100 && rows.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    rows = await live.shield.stores.audit.query({ limit: 1000 });
  }
  return rows;
}

/** The audit row of one request, by the request id the shield answered with. */
export async function auditOf(live: LiveShield, requestId: string): Promise<AuditRecord> {
  for (let i = 0; i < 100; i++) {
    const [row] = await live.shield.stores.audit.query({ limit: 1, requestId });
    if (row !== undefined) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no audit record for request ${requestId}`);
}

/** Waits long enough for anything wrongly forwarded to reach the upstream before it is counted. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The problem+json code of the first response of a probe, if it has one. */
export function codeOf(result: ProbeResult, index = 0): string | undefined {
  const body = result.responses[index]?.body;
  if (body === undefined || body === '') return undefined;
  try {
    return (JSON.parse(body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** A `Portcullis-Proof` value by an App Attest device for one request, timed now (protocol §4). */
export function appleProof(
  device: SoftwareAppAttestDevice,
  request: { method: string; target: string; body: string; token: string },
): string {
  const timestampMs = Date.now();
  const message = proofMessage({
    method: request.method,
    target: request.target,
    body: new TextEncoder().encode(request.body),
    timestampMs,
    token: request.token,
  });
  return formatProofHeader(timestampMs, device.assert(sha256(message)));
}
