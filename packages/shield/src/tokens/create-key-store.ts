import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';
import { ShieldError } from '../errors.js';
import { createJwksHttp, DEFAULT_JWKS_MAX_AGE_SECONDS } from './create-jwks-http.js';
import type { KeyStoreFailureReason } from './key-store-failure-reasons.js';
import { IDENTIFIER_KEY_FILE, TEMP_IDENTIFIER_KEY_FILE } from './load-identifier-key.js';
import { type KeyFileRecord, minimalPublicJwk, readKeyFile, thumbprintKid } from './read-key-file.js';
import {
  type JwksHttp,
  type KeyInfo,
  type KeyStatus,
  type PublicJwk,
  type SigningKey,
  type SigningKeySource,
  TOKEN_ALGORITHMS,
  type TokenAlgorithm,
  type VerificationKey,
  type VerificationKeySource,
} from './types.js';
import { keyFileName, TEMP_KEY_FILE, writeKeyFile } from './write-key-file.js';

const generateKeyPair = promisify(generateKeyPairCallback);

const KEY_FILE = /^([A-Za-z0-9_-]{43})\.json$/;
/** A temporary key file this old is the leftover of a crashed write, not one in flight. */
const STALE_TEMP_MS = 10 * 60 * 1000;
/** Upper bound for rotation margins: 30 days. */
const MAX_MARGIN_SECONDS = 30 * 24 * 3600;

export interface KeyStoreOptions {
  /** Directory of the key files; created with mode 0700 on first start. */
  dir: string;
  /** Algorithm of keys this store generates (existing keys keep their own). */
  alg: TokenAlgorithm;
  clock: Clock;
  /** Create the directory and a first key when there is none. Default true; false for read-only tools. */
  create?: boolean;
  /** Cache-Control max-age of the served JWKS, in seconds. Default 60. */
  jwksMaxAgeSeconds?: number;
}

export interface RotateOptions {
  /**
   * How long the superseded key stays published (and accepted) after the new key starts to
   * sign: the longest token lifetime plus the verifiers' clock tolerance. Seconds, > 0.
   */
  retireAfterSeconds: number;
  /** Publish the new key this many seconds before it starts to sign. Default 0. */
  publishAheadSeconds?: number;
}

/** The signing keys on disk, their life cycle, and the JWKS built from them. */
export interface KeyStore extends SigningKeySource, VerificationKeySource {
  /** Reads (or, on first start, creates) the key directory. Safe to call again to pick up rotations. */
  load(): Promise<void>;
  /** Adds a new key; the current one keeps signing until the new one activates, then retires later. */
  rotate(options: RotateOptions): Promise<KeyInfo>;
  /** Deletes the files of retired keys; returns their kids. */
  prune(): Promise<string[]>;
  /** Every key on disk, oldest first, with its status now. No private material. */
  list(): KeyInfo[];
  /** The key that signs now. */
  signingKey(): SigningKey;
  /** Keys accepted now: active, next and retiring. */
  verificationKeys(): VerificationKey[];
  /** The accepted key with this kid, or undefined (unknown, or retired). */
  verificationKey(kid: string): VerificationKey | undefined;
  /** The public JWKS: active, next and retiring keys with kid, alg and use "sig". */
  jwks(): { keys: PublicJwk[] };
  /** The JWKS as an HTTP body with ETag and Cache-Control. */
  jwksHttp(): JwksHttp;
}

interface Entry {
  record: KeyFileRecord;
  verification: VerificationKey;
  signing: SigningKey;
  jwk: PublicJwk;
  /** Derived from the next key: when this one stops signing / stops being published. */
  deactivatesAt: number | null;
  retiresAt: number | null;
}

function refuse(reason: KeyStoreFailureReason, message: string): never {
  throw new ShieldError('internal_error', reason, { message });
}

function statusAt(entry: Entry, now: number): KeyStatus {
  if (entry.retiresAt !== null && now >= entry.retiresAt) return 'retired';
  if (now < entry.record.activatesAt) return 'next';
  if (entry.deactivatesAt !== null && now >= entry.deactivatesAt) return 'retiring';
  return 'active';
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

async function generateRecord(
  alg: TokenAlgorithm,
  sequence: number,
  now: number,
  activatesAt: number,
  retirePrevious: number,
): Promise<KeyFileRecord> {
  const pair: { privateKey: KeyObject; publicKey: KeyObject } =
    alg === 'ES256' ? await generateKeyPair('ec', { namedCurve: 'P-256' }) : await generateKeyPair('ed25519');
  const publicJwk = minimalPublicJwk(pair.publicKey);
  return {
    kid: await thumbprintKid(publicJwk),
    alg,
    sequence,
    createdAt: now,
    activatesAt,
    retirePreviousAfterSeconds: retirePrevious,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk,
  };
}

/**
 * The on-disk signing-key store (protocol §1, threats B-11, C-30). One file per key,
 * `<kid>.json`, mode 0600, in a directory of mode 0700; kid is the RFC 7638 thumbprint. A
 * rotation writes exactly one new file, which also records how long the keys it supersedes stay
 * published, so every key's life cycle follows from the files alone (no second file to keep in
 * step, and a crash mid-rotation leaves a consistent directory).
 *
 * @example
 * ```ts
 * const keys = createKeyStore({ dir: '/var/lib/portcullis/keys', alg: 'ES256', clock: systemClock });
 * await keys.load();
 * await keys.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 });
 * ```
 */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new TypeError('createKeyStore: dir must be a path');
  }
  if (!(TOKEN_ALGORITHMS as readonly string[]).includes(options.alg)) {
    throw new TypeError('createKeyStore: alg must be ES256 or EdDSA');
  }
  const maxAge = options.jwksMaxAgeSeconds ?? DEFAULT_JWKS_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > 3600) {
    throw new TypeError('createKeyStore: jwksMaxAgeSeconds must be an integer from 0 to 3600');
  }
  const { dir, clock } = options;
  const create = options.create ?? true;
  /** Oldest first (by sequence). */
  let entries: Entry[] = [];
  let byKid = new Map<string, Entry>();
  let loaded = false;
  let queue: Promise<unknown> = Promise.resolve();

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  function requireLoaded(): void {
    if (!loaded) refuse('key_store_not_loaded', 'The signing key store was used before load() completed.');
  }

  function install(records: KeyFileRecord[]): void {
    // Creation order. Two processes rotating at once could write the same sequence: the kid
    // then breaks the tie the same way everywhere.
    records.sort(
      (a, b) => a.sequence - b.sequence || a.activatesAt - b.activatesAt || (a.kid < b.kid ? -1 : 1),
    );
    const next: Entry[] = records.map((record) => {
      // Keep the same objects for a kid already known, so verified-token caches stay valid.
      const known = byKid.get(record.kid);
      return {
        record,
        verification:
          known?.verification ??
          Object.freeze({ kid: record.kid, alg: record.alg, publicKey: record.publicKey }),
        signing:
          known?.signing ??
          Object.freeze({ kid: record.kid, alg: record.alg, privateKey: record.privateKey }),
        jwk:
          known?.jwk ??
          Object.freeze({ ...record.publicJwk, kid: record.kid, alg: record.alg, use: 'sig' as const }),
        deactivatesAt: null,
        retiresAt: null,
      };
    });
    for (let i = 0; i + 1 < next.length; i++) {
      const successor = next[i + 1]!.record;
      next[i]!.deactivatesAt = successor.activatesAt;
      next[i]!.retiresAt = successor.activatesAt + successor.retirePreviousAfterSeconds * 1000;
    }
    entries = next;
    byKid = new Map(next.map((entry) => [entry.record.kid, entry]));
  }

  async function openDirectory(): Promise<boolean> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(dir);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      if (!create) refuse('key_dir_missing', `Signing key directory ${dir} does not exist.`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      return true;
    }
    if (!info.isDirectory()) {
      refuse('key_dir_not_directory', `Signing key directory ${dir} is not a directory.`);
    }
    if ((Number(info.mode) & 0o022) !== 0) {
      refuse(
        'key_dir_insecure',
        `Signing key directory ${dir} has mode ${(Number(info.mode) & 0o777).toString(8).padStart(4, '0')}: group or others can write to it. Run chmod 700 on it.`,
      );
    }
    return false;
  }

  async function readAll(): Promise<KeyFileRecord[]> {
    const records: KeyFileRecord[] = [];
    for (const name of (await readdir(dir)).sort()) {
      // The identifier key (loadIdentifierKey) shares the directory, so instances share it.
      if (name === IDENTIFIER_KEY_FILE) continue;
      if (TEMP_KEY_FILE.test(name) || TEMP_IDENTIFIER_KEY_FILE.test(name)) {
        // A write in flight (another process sharing the directory) or the leftover of one that
        // crashed: never loaded, since its rename never happened. Only an old one is removed, so
        // a concurrent rotation is not broken.
        if (create) await removeStaleTemp(join(dir, name));
        continue;
      }
      const match = KEY_FILE.exec(name);
      if (match === null) {
        refuse(
          'key_dir_unexpected_entry',
          `Signing key directory ${dir} holds ${JSON.stringify(name)}, which is not a key file.`,
        );
      }
      records.push(await readKeyFile(join(dir, name), match[1]!));
    }
    return records;
  }

  async function removeStaleTemp(path: string): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs <= clock.now() - STALE_TEMP_MS) {
      await unlink(path).catch(() => undefined);
    }
  }

  async function load(): Promise<void> {
    await openDirectory();
    const records = await readAll();
    if (records.length === 0 && create) {
      const now = clock.now();
      const first = await generateRecord(options.alg, 1, now, now, 0);
      await writeKeyFile(dir, first);
      records.push(first);
    }
    install(records);
    loaded = true;
  }

  async function rotate(rotation: RotateOptions): Promise<KeyInfo> {
    requireLoaded();
    const retire = rotation.retireAfterSeconds;
    const ahead = rotation.publishAheadSeconds ?? 0;
    if (!Number.isSafeInteger(retire) || retire < 1 || retire > MAX_MARGIN_SECONDS) {
      refuse('key_rotate_options_invalid', 'retireAfterSeconds must be an integer from 1 to 2592000.');
    }
    if (!Number.isSafeInteger(ahead) || ahead < 0 || ahead > MAX_MARGIN_SECONDS) {
      refuse('key_rotate_options_invalid', 'publishAheadSeconds must be an integer from 0 to 2592000.');
    }
    const now = clock.now();
    const newest = entries[entries.length - 1];
    // Never activate before the newest key: keys take over in the order they were created.
    const activatesAt = Math.max(now + ahead * 1000, newest?.record.activatesAt ?? now);
    const record = await generateRecord(
      options.alg,
      (newest?.record.sequence ?? 0) + 1,
      now,
      activatesAt,
      retire,
    );
    await writeKeyFile(dir, record);
    install([...entries.map((entry) => entry.record), record]);
    return info(byKid.get(record.kid)!, now);
  }

  async function prune(): Promise<string[]> {
    requireLoaded();
    const now = clock.now();
    const retired = entries.filter((entry) => statusAt(entry, now) === 'retired');
    for (const entry of retired) {
      // Another process sharing the directory may have pruned it already.
      await unlink(join(dir, keyFileName(entry.record.kid))).catch((error: unknown) => {
        if (!isCode(error, 'ENOENT')) throw error;
      });
    }
    if (retired.length > 0) {
      const gone = new Set(retired.map((entry) => entry.record.kid));
      // Keep the computed life cycle of the survivors: it depends on successors only.
      entries = entries.filter((entry) => !gone.has(entry.record.kid));
      byKid = new Map(entries.map((entry) => [entry.record.kid, entry]));
    }
    return retired.map((entry) => entry.record.kid);
  }

  function info(entry: Entry, now: number): KeyInfo {
    return {
      kid: entry.record.kid,
      alg: entry.record.alg,
      createdAt: new Date(entry.record.createdAt).toISOString(),
      activatesAt: new Date(entry.record.activatesAt).toISOString(),
      deactivatesAt: entry.deactivatesAt === null ? null : new Date(entry.deactivatesAt).toISOString(),
      retiresAt: entry.retiresAt === null ? null : new Date(entry.retiresAt).toISOString(),
      status: statusAt(entry, now),
    };
  }

  function published(now: number): Entry[] {
    return entries.filter((entry) => statusAt(entry, now) !== 'retired');
  }

  function jwks(): { keys: PublicJwk[] } {
    requireLoaded();
    return {
      keys: published(clock.now())
        .reverse()
        .map((entry) => entry.jwk),
    };
  }

  return {
    load: () => exclusive(load),
    rotate: (rotation) => exclusive(() => rotate(rotation)),
    prune: () => exclusive(prune),
    list() {
      requireLoaded();
      const now = clock.now();
      return entries.map((entry) => info(entry, now));
    },
    signingKey() {
      requireLoaded();
      const now = clock.now();
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i]!;
        if (statusAt(entry, now) === 'active') return entry.signing;
      }
      return refuse('key_store_no_signing_key', 'No signing key is active now; check the clock or rotate.');
    },
    verificationKeys() {
      requireLoaded();
      return published(clock.now()).map((entry) => entry.verification);
    },
    verificationKey(kid) {
      const entry = byKid.get(kid);
      if (entry === undefined || (entry.retiresAt !== null && clock.now() >= entry.retiresAt)) {
        return undefined;
      }
      return entry.verification;
    },
    jwks,
    jwksHttp: () => createJwksHttp(jwks(), maxAge),
  };
}
