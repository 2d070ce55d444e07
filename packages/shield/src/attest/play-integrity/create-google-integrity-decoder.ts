import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../../clock.js';
import type { VerificationFailure } from '../contract.js';
import type { PlayIntegrityDecodeResult } from './decode-play-integrity-token-locally.js';
import { allSegmentsPresent, isPlainObject, splitCompact } from './lib/compact.js';
import { playFailure } from './lib/play-failure.js';

/** The fields of a Google service account JSON key file that the decoder uses. */
export interface GoogleServiceAccount {
  client_email: string;
  /** PEM PKCS#8 RSA private key, as in the key file. */
  private_key: string;
  /** Sent as the assertion's `kid` when present. */
  private_key_id?: string;
  /** OAuth token endpoint. Default https://oauth2.googleapis.com/token. */
  token_uri?: string;
}

export interface GoogleIntegrityDecoderOptions {
  /** A service account of the Google Cloud project linked to the app in Play Console. */
  serviceAccount: GoogleServiceAccount;
  /** Play Integrity API origin. Default https://playintegrity.googleapis.com; http only for loopback. */
  endpoint?: string;
  /** The fetch to use. Default the global fetch. */
  fetch?: typeof fetch;
  /** Time for the OAuth assertion and the access-token cache. */
  clock: Clock;
  /** Bound on one decode() call (token mint plus decode request), in ms, 1 to 60000. Default 2000. */
  timeoutMs?: number;
}

export interface GoogleIntegrityDecoder {
  /**
   * Asks Google to decrypt and verify `token` for `packageName`. Resolves (never rejects) to the
   * verdict payload or a failure: kind `unavailable` when Google cannot answer in time (the
   * server answers 503 attestation_unavailable), kind `invalid` when Google refuses the token.
   */
  decode(packageName: string, token: string): Promise<PlayIntegrityDecodeResult>;
}

const DEFAULT_ENDPOINT = 'https://playintegrity.googleapis.com';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/playintegrity';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const DEFAULT_TIMEOUT_MS = 2_000;
const ASSERTION_LIFETIME_S = 3_600;
const REFRESH_MARGIN_S = 60;
const MAX_RESPONSE_BYTES = 65_536;
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/;
const ACCESS_TOKEN = /^[\x21-\x7e]{1,4096}$/;
const TIMED_OUT = Symbol('timed out');

type AccessTokenOutcome = { ok: true; token: string } | VerificationFailure;

/**
 * Creates a client for Google's decodeIntegrityToken endpoint (standard requests, or classic
 * ones when Google manages the response keys). It mints an OAuth access token with a
 * service-account JWT-bearer assertion (RS256, scope playintegrity, aud = token_uri), caches it
 * until shortly before it expires (one mint at a time however many requests wait), then POSTs
 * `{ integrity_token }` to `/v1/{packageName}:decodeIntegrityToken` and returns
 * `tokenPayloadExternal`. Each decode() call is bounded by `timeoutMs` in total; redirects are
 * refused so the bearer token only goes to the configured hosts. Options are checked here and a
 * bad one throws a TypeError naming it.
 *
 * @example
 * const google = createGoogleIntegrityDecoder({ serviceAccount: JSON.parse(keyFile), clock: systemClock });
 * const decoded = await google.decode('com.example.shop', evidence.token);
 */
export function createGoogleIntegrityDecoder(options: GoogleIntegrityDecoderOptions): GoogleIntegrityDecoder {
  const account = options.serviceAccount;
  if (!isPlainObject(account)) throw new TypeError('serviceAccount must be the service account JSON object');
  if (typeof account.client_email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(account.client_email)) {
    throw new TypeError('serviceAccount.client_email must be an e-mail address');
  }
  const privateKey = importRsaKey(account.private_key);
  if (account.private_key_id !== undefined && typeof account.private_key_id !== 'string') {
    throw new TypeError('serviceAccount.private_key_id must be a string');
  }
  const tokenUri = checkUrl(account.token_uri ?? DEFAULT_TOKEN_URI, 'serviceAccount.token_uri').href;
  const endpoint = checkUrl(options.endpoint ?? DEFAULT_ENDPOINT, 'endpoint');
  const base = endpoint.origin + endpoint.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new TypeError('timeoutMs must be an integer from 1 to 60000');
  }
  const clock = options.clock;
  if (typeof clock?.now !== 'function') throw new TypeError('clock must have a now() method');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch must be a function');

  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<AccessTokenOutcome> | undefined;

  async function mintAccessToken(): Promise<AccessTokenOutcome> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const issuedAt = Math.floor(clock.now() / 1000);
      const header = {
        alg: 'RS256',
        typ: 'JWT',
        ...(account.private_key_id ? { kid: account.private_key_id } : {}),
      };
      const assertion = await new SignJWT({ scope: SCOPE })
        .setProtectedHeader(header)
        .setIssuer(account.client_email)
        .setAudience(tokenUri)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
        .sign(privateKey);
      const response = await fetchImpl(tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString(),
        redirect: 'error',
        signal,
      });
      const body = await readJson(response);
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        return playFailure(
          'play_credentials_rejected',
          `OAuth token request refused (HTTP ${response.status})`,
        );
      }
      if (!response.ok)
        return playFailure(
          'play_decode_unavailable',
          `OAuth token endpoint answered HTTP ${response.status}`,
        );
      const token = isPlainObject(body) ? body['access_token'] : undefined;
      const expiresIn = isPlainObject(body) ? body['expires_in'] : undefined;
      if (
        typeof token !== 'string' ||
        !ACCESS_TOKEN.test(token) ||
        typeof expiresIn !== 'number' ||
        !(expiresIn > 0)
      ) {
        return playFailure('play_decode_unavailable', 'OAuth token response is not the documented JSON');
      }
      const margin = Math.min(REFRESH_MARGIN_S, expiresIn / 2);
      cached = { token, refreshAt: clock.now() + (expiresIn - margin) * 1000 };
      return { ok: true, token };
    } catch {
      return playFailure(
        'play_decode_unavailable',
        signal.aborted
          ? `OAuth token request timed out after ${timeoutMs} ms`
          : 'OAuth token endpoint could not be reached',
      );
    }
  }

  function accessToken(): Promise<AccessTokenOutcome> {
    if (cached !== undefined && clock.now() < cached.refreshAt)
      return Promise.resolve({ ok: true, token: cached.token });
    pending ??= mintAccessToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return {
    async decode(packageName: string, token: string): Promise<PlayIntegrityDecodeResult> {
      const parts = typeof token === 'string' ? splitCompact(token, 5) : undefined;
      if (parts === undefined || !allSegmentsPresent(parts)) {
        return playFailure(
          'play_token_malformed',
          'token is not a compact JWE of 5 canonical base64url segments',
        );
      }
      if (typeof packageName !== 'string' || !PACKAGE_NAME.test(packageName)) {
        return playFailure(
          'play_decode_unavailable',
          'configured package name is not a valid Android application id',
        );
      }
      const signal = AbortSignal.timeout(timeoutMs);
      const auth = await raceAbort(accessToken(), signal);
      if (auth === TIMED_OUT)
        return playFailure('play_decode_unavailable', `OAuth token request timed out after ${timeoutMs} ms`);
      if (!auth.ok) return auth;

      let response: Response;
      let body: unknown;
      try {
        response = await fetchImpl(`${base}/v1/${packageName}:decodeIntegrityToken`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${auth.token}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({ integrity_token: token }),
          redirect: 'error',
          signal,
        });
        body = await readJson(response);
      } catch {
        return playFailure(
          'play_decode_unavailable',
          signal.aborted
            ? `decodeIntegrityToken timed out after ${timeoutMs} ms`
            : 'decodeIntegrityToken could not be reached',
        );
      }

      if (response.status === 400 && googleErrorStatus(body) === 'INVALID_ARGUMENT') {
        return playFailure(
          'play_token_rejected',
          'Google refused to decode the token (400 INVALID_ARGUMENT)',
        );
      }
      if (response.status === 401 || response.status === 403) {
        if (response.status === 401) cached = undefined;
        return playFailure(
          'play_credentials_rejected',
          `decodeIntegrityToken answered HTTP ${response.status}`,
        );
      }
      if (!response.ok)
        return playFailure(
          'play_decode_unavailable',
          `decodeIntegrityToken answered HTTP ${response.status}`,
        );
      const payload = isPlainObject(body) ? body['tokenPayloadExternal'] : undefined;
      if (!isPlainObject(payload)) {
        return playFailure(
          'play_decode_unavailable',
          'decodeIntegrityToken answer is not the documented JSON',
        );
      }
      return { ok: true, payload };
    },
  };
}

function importRsaKey(pem: unknown): KeyObject {
  if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY-----')) {
    throw new TypeError('serviceAccount.private_key must be a PEM private key');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new TypeError('serviceAccount.private_key could not be read as a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new TypeError('serviceAccount.private_key must be an RSA key of at least 2048 bits');
  }
  return key;
}

function checkUrl(value: unknown, name: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`${name} must be a URL`);
  }
  const loopback =
    url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(`${name} must be https (http only for a loopback test server)`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new TypeError(`${name} must not carry credentials, a query or a fragment`);
  }
  return url;
}

/** Reads at most MAX_RESPONSE_BYTES and parses JSON; undefined when the body is not JSON. */
async function readJson(response: Response): Promise<unknown> {
  const reader = response.body?.getReader();
  if (reader === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `error.status` of a Google API error body ({ error: { code, message, status } }). */
function googleErrorStatus(body: unknown): unknown {
  const error = isPlainObject(body) ? body['error'] : undefined;
  return isPlainObject(error) ? error['status'] : undefined;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof TIMED_OUT> {
  if (signal.aborted) return Promise.resolve(TIMED_OUT);
  return new Promise((resolve) => {
    const onAbort = () => resolve(TIMED_OUT);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
