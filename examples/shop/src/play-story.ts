import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createPortcullis } from '@portcullis/client';
import { formatProofHeader, proofMessage } from '@portcullis/protocol';
import { createManualClock, createTokenIssuer, DEMO_SIGNING_CERT_SHA256 } from '@portcullis/shield';
import {
  createNodeProvider,
  createSoftwareAndroidDevice,
  createSoftwareAppAttestDevice,
} from '@portcullis/testkit';
import { CompactSign } from 'jose';
import type { RunningShop } from './run-shop.js';

/** One line of the demo's table. */
export interface Scene {
  scene: string;
  call: string;
  status: number;
  code: string;
  /** Requests the backend received during this scene. */
  reachedBackend: number;
  /** Whether the backend saw the right provider key (injected by the shield). */
  providerKeyAtBackend: 'yes' | 'no' | '-';
  /** Whether the provider key appears anywhere in what the caller received. */
  keyLeakedToCaller: boolean;
}

/** What each scene must show: the story of the seed scenario. */
export const EXPECTED_STORY: ReadonlyArray<Pick<Scene, 'scene' | 'status' | 'code' | 'reachedBackend'>> = [
  {
    scene: 'Postman with the API key from the old .env',
    status: 401,
    code: 'token_missing',
    reachedBackend: 0,
  },
  { scene: 'Forged token (attacker key, real kid)', status: 401, code: 'token_invalid', reachedBackend: 0 },
  { scene: 'Expired token (genuine signature)', status: 401, code: 'token_expired', reachedBackend: 0 },
  { scene: 'Challenge used twice', status: 400, code: 'challenge_invalid', reachedBackend: 0 },
  { scene: 'Genuine app, debug credential: attest', status: 200, code: 'ok', reachedBackend: 0 },
  { scene: 'Genuine app, debug credential: e-mail', status: 200, code: 'ok', reachedBackend: 1 },
  {
    scene: 'Debug token on the payment route (no device key)',
    status: 401,
    code: 'proof_invalid',
    reachedBackend: 0,
  },
  { scene: 'Genuine iPhone (App Attest): attest', status: 200, code: 'ok', reachedBackend: 0 },
  { scene: 'Genuine iPhone: payment, signed proof', status: 200, code: 'ok', reachedBackend: 1 },
  {
    scene: 'Token copied off the iPhone, sent from Postman',
    status: 401,
    code: 'proof_missing',
    reachedBackend: 0,
  },
  { scene: 'Captured payment request replayed', status: 401, code: 'proof_replayed', reachedBackend: 0 },
  { scene: 'Captured proof moved to another amount', status: 401, code: 'proof_invalid', reachedBackend: 0 },
  {
    scene: 'Genuine Android phone (key attestation): attest',
    status: 200,
    code: 'ok',
    reachedBackend: 0,
  },
  { scene: 'Genuine Android phone: payment, signed proof', status: 200, code: 'ok', reachedBackend: 1 },
  {
    scene: 'Captured Android payment replayed',
    status: 401,
    code: 'proof_replayed',
    reachedBackend: 0,
  },
  { scene: 'Genuine iPhone: refresh by assertion', status: 200, code: 'ok', reachedBackend: 0 },
  { scene: 'Genuine iPhone: payment with refreshed token', status: 200, code: 'ok', reachedBackend: 1 },
  { scene: 'Card testing: 3rd payment this hour', status: 200, code: 'ok', reachedBackend: 1 },
  { scene: 'Card testing: 4th payment this hour', status: 429, code: 'rate_limited', reachedBackend: 0 },
  {
    scene: 'E-mail pumping: 50 recipients in one request',
    status: 429,
    code: 'budget_exhausted',
    reachedBackend: 0,
  },
  { scene: 'The shop app on the SDK (software iPhone): payment', status: 200, code: 'ok', reachedBackend: 1 },
];

const json = { 'content-type': 'application/json' };

/**
 * Plays the seed scenario against a running shop and returns one row per scene. Every call is a
 * real HTTP request on loopback; nothing is simulated but the devices, which are the test kit's
 * software devices in Apple's exact format.
 */
export async function playStory(shop: RunningShop): Promise<Scene[]> {
  const scenes: Scene[] = [];
  const secrets = [shop.providerKeys.payments, shop.providerKeys.email];

  async function call(
    scene: string,
    label: string,
    path: string,
    init: RequestInit,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const before = shop.backend.received.length;
    const response = await fetch(`${shop.shieldUrl}${path}`, init);
    const text = await response.text();
    const after = shop.backend.received.slice(before);
    const headerText = JSON.stringify([...response.headers]);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    scenes.push({
      scene,
      call: label,
      status: response.status,
      code:
        typeof body['code'] === 'string'
          ? (body['code'] as string)
          : response.ok
            ? 'ok'
            : `http_${response.status}`,
      reachedBackend: after.length,
      providerKeyAtBackend: after.length === 0 ? '-' : after.every((r) => r.providerKeyValid) ? 'yes' : 'no',
      keyLeakedToCaller: secrets.some((secret) => text.includes(secret) || headerText.includes(secret)),
    });
    return { status: response.status, body };
  }

  async function challenge(): Promise<string> {
    const response = await fetch(`${shop.shieldUrl}/v1/challenge`, {
      method: 'POST',
      headers: json,
      body: '{"appId":"shop"}',
    });
    return ((await response.json()) as { challenge: string }).challenge;
  }

  // 1. The key that used to ship in the app's .env, replayed from Postman: no app token, no entry.
  await call(
    'Postman with the API key from the old .env',
    'POST /payments/session + x-provider-key',
    '/payments/session',
    {
      method: 'POST',
      headers: {
        ...json,
        'x-provider-key': shop.providerKeys.payments,
        'x-api-key': shop.providerKeys.payments,
      },
      body: '{"amount":1200}',
    },
  );

  // 2. A token the attacker signed with their own key, naming the shield's current kid.
  const kid = shop.shield.keys.signingKey().kid;
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const forged = await new CompactSign(
    new TextEncoder().encode(
      JSON.stringify({
        iss: shop.shield.config.issuer,
        aud: ['shop-api'],
        sub: 'shop',
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        plt: 'ios',
        lvl: 'hardware',
      }),
    ),
  )
    .setProtectedHeader({ alg: 'ES256', typ: 'app+jwt', kid })
    .sign(attacker.privateKey);
  await call(
    'Forged token (attacker key, real kid)',
    'POST /payments/session + forged token',
    '/payments/session',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': forged },
      body: '{"amount":1200}',
    },
  );

  // 3. A genuine token, signed by the shield an hour ago, long expired.
  const pastIssuer = createTokenIssuer({
    keys: shop.shield.keys,
    issuer: shop.shield.config.issuer,
    clock: createManualClock(Date.now() - 3600_000),
  });
  const expired = await pastIssuer.issue({
    sub: 'shop',
    aud: ['shop-api'],
    plt: 'debug',
    lvl: 'debug',
    ttlSeconds: 300,
  });
  await call(
    'Expired token (genuine signature)',
    'POST /payments/session + expired token',
    '/payments/session',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': expired.token },
      body: '{"amount":1200}',
    },
  );

  // 4. The genuine app on a simulator: debug credential → token → e-mail.
  const debugChallenge = await challenge();
  const attestBody = JSON.stringify({
    appId: 'shop',
    challenge: debugChallenge,
    evidence: [{ type: 'debug', token: shop.debugCredential }],
  });
  const attested = await call(
    'Genuine app, debug credential: attest',
    'POST /v1/attest (debug)',
    '/v1/attest',
    {
      method: 'POST',
      headers: json,
      body: attestBody,
    },
  );
  await call('Challenge used twice', 'POST /v1/attest (same challenge again)', '/v1/attest', {
    method: 'POST',
    headers: json,
    body: attestBody,
  });
  // Keep the table in story order: the replayed challenge belongs before the genuine app.
  scenes.splice(3, 0, scenes.pop()!);
  const debugToken = String(attested.body['token']);
  await call(
    'Genuine app, debug credential: e-mail',
    'POST /email/send + token (2 recipients)',
    '/email/send',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': debugToken },
      body: JSON.stringify({ to: ['ana@example.com', 'bo@example.com'], subject: 'Your order' }),
    },
  );
  // Payments need a proof by a hardware device key: a debug token has none.
  await call(
    'Debug token on the payment route (no device key)',
    'POST /payments/session + debug token',
    '/payments/session',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': debugToken, 'portcullis-proof': `v1.${Date.now()}.AAAA` },
      body: '{"amount":1200}',
    },
  );

  // 5. A genuine iPhone: App Attest once, every payment signed by its key, cheap refreshes.
  const device = createSoftwareAppAttestDevice({
    authority: shop.appleAuthority,
    appId: 'ABCDE12345.com.example.shop',
    environment: 'development',
  });
  const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
  const signedPayment = (token: string, body: string): Record<string, string> => {
    const timestampMs = Date.now();
    const message = proofMessage({
      method: 'POST',
      target: '/payments/session',
      body: new TextEncoder().encode(body),
      timestampMs,
      token,
    });
    return {
      ...json,
      'portcullis-token': token,
      'portcullis-proof': formatProofHeader(timestampMs, device.assert(sha(message))),
    };
  };
  const iosChallenge = await challenge();
  const iosAttested = await call(
    'Genuine iPhone (App Attest): attest',
    'POST /v1/attest (apple-app-attest)',
    '/v1/attest',
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        appId: 'shop',
        challenge: iosChallenge,
        evidence: [
          {
            type: 'apple-app-attest',
            keyId: device.keyId,
            attestation: Buffer.from(device.attest(sha(iosChallenge))).toString('base64'),
          },
        ],
      }),
    },
  );
  const iosToken = String(iosAttested.body['token']);
  const payment = '{"amount":1200}';
  const captured = signedPayment(iosToken, payment);
  await call(
    'Genuine iPhone: payment, signed proof',
    'POST /payments/session + token + proof',
    '/payments/session',
    {
      method: 'POST',
      headers: captured,
      body: payment,
    },
  );
  await call(
    'Token copied off the iPhone, sent from Postman',
    'POST /payments/session + token, no proof',
    '/payments/session',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': iosToken },
      body: payment,
    },
  );
  await call('Captured payment request replayed', 'the same request, byte for byte', '/payments/session', {
    method: 'POST',
    headers: captured,
    body: payment,
  });
  await call(
    'Captured proof moved to another amount',
    'same token and proof, amount 99900',
    '/payments/session',
    {
      method: 'POST',
      headers: captured,
      body: '{"amount":99900}',
    },
  );
  // 5b. A genuine Android phone beside it: a Keystore key attested once, payments signed by it
  // (SHA256withECDSA, DER), and its replay refused like the iPhone's.
  const phone = createSoftwareAndroidDevice({
    authority: shop.androidAuthority,
    packageName: 'com.example.shop',
    signingCertSha256: DEMO_SIGNING_CERT_SHA256,
  });
  const androidChallenge = await challenge();
  const androidAttested = await call(
    'Genuine Android phone (key attestation): attest',
    'POST /v1/attest (android-key-attestation)',
    '/v1/attest',
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        appId: 'shop',
        challenge: androidChallenge,
        evidence: [{ type: 'android-key-attestation', certificateChain: phone.attest(androidChallenge) }],
      }),
    },
  );
  const androidToken = String(androidAttested.body['token']);
  const androidPayment = '{"amount":3100}';
  const androidTimestampMs = Date.now();
  const androidCaptured = {
    ...json,
    'portcullis-token': androidToken,
    'portcullis-proof': formatProofHeader(
      androidTimestampMs,
      phone.sign(
        new TextEncoder().encode(
          proofMessage({
            method: 'POST',
            target: '/payments/session',
            body: new TextEncoder().encode(androidPayment),
            timestampMs: androidTimestampMs,
            token: androidToken,
          }),
        ),
      ),
    ),
  };
  await call(
    'Genuine Android phone: payment, signed proof',
    'POST /payments/session + token + proof',
    '/payments/session',
    { method: 'POST', headers: androidCaptured, body: androidPayment },
  );
  await call('Captured Android payment replayed', 'the same request, byte for byte', '/payments/session', {
    method: 'POST',
    headers: androidCaptured,
    body: androidPayment,
  });
  const assertChallenge = await challenge();
  const refreshed = await call('Genuine iPhone: refresh by assertion', 'POST /v1/assert', '/v1/assert', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      appId: 'shop',
      challenge: assertChallenge,
      keyId: device.keyId,
      assertion: Buffer.from(device.assert(sha(assertChallenge))).toString('base64'),
    }),
  });
  const newToken = String(refreshed.body['token']);
  await call(
    'Genuine iPhone: payment with refreshed token',
    'POST /payments/session + new token + proof',
    '/payments/session',
    {
      method: 'POST',
      headers: signedPayment(newToken, '{"amount":2500}'),
      body: '{"amount":2500}',
    },
  );

  // 6. Card testing from a genuine device: 3 payment sessions an hour, then 429. The refused
  // attempts above (no proof, replay, moved proof) spent none of them.
  await call('Card testing: 3rd payment this hour', 'POST /payments/session (card #3)', '/payments/session', {
    method: 'POST',
    headers: signedPayment(newToken, '{"amount":100}'),
    body: '{"amount":100}',
  });
  await call('Card testing: 4th payment this hour', 'POST /payments/session (card #4)', '/payments/session', {
    method: 'POST',
    headers: signedPayment(newToken, '{"amount":100}'),
    body: '{"amount":100}',
  });
  // 7. E-mail pumping: one request cannot smuggle 50 recipients through a budget of 20 a day.
  const recipients = Array.from({ length: 50 }, (_, i) => `victim${i}@example.com`);
  await call(
    'E-mail pumping: 50 recipients in one request',
    'POST /email/send (50 recipients)',
    '/email/send',
    {
      method: 'POST',
      headers: { ...json, 'portcullis-token': debugToken },
      body: JSON.stringify({ to: recipients, subject: 'Win' }),
    },
  );
  // 8. The shop app as its developers write it: @portcullis/client wraps fetch and does the
  // attestation, the token, the refresh and the proof; the test kit's Node provider stands in
  // for the iPhone's App Attest.
  const portcullis = createPortcullis({
    baseUrl: shop.shieldUrl,
    appId: 'shop',
    provider: createNodeProvider({
      platform: 'ios',
      authority: shop.appleAuthority,
      appId: 'ABCDE12345.com.example.shop',
    }),
    proofRoutes: [{ methods: ['POST'], path: '/payments/session' }],
    publicRoutes: [{ methods: ['GET'], path: '/catalog' }],
  });
  const before = shop.backend.received.length;
  const response = await portcullis.fetch('/payments/session', {
    method: 'POST',
    headers: json,
    body: '{"amount":4200}',
  });
  const text = await response.text();
  const reached = shop.backend.received.slice(before);
  scenes.push({
    scene: 'The shop app on the SDK (software iPhone): payment',
    call: "portcullis.fetch('/payments/session')",
    status: response.status,
    code: response.ok ? 'ok' : `http_${response.status}`,
    reachedBackend: reached.length,
    providerKeyAtBackend:
      reached.length === 0 ? '-' : reached.every((r) => r.providerKeyValid) ? 'yes' : 'no',
    keyLeakedToCaller: secrets.some((secret) => text.includes(secret)),
  });
  return scenes;
}

/** The table the demo prints. */
export function formatStory(scenes: readonly Scene[]): string {
  const rows = [
    ['scene', 'call', 'status', 'code', 'backend', 'key injected', 'key leaked'],
    ...scenes.map((s) => [
      s.scene,
      s.call,
      String(s.status),
      s.code,
      s.reachedBackend === 0 ? 'not reached' : `reached x${s.reachedBackend}`,
      s.providerKeyAtBackend,
      s.keyLeakedToCaller ? 'YES' : 'no',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
