import { createPublicKey, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import {
  GOOGLE_ATTESTATION_ROOTS_PEM,
  KEY_DESCRIPTION_OID,
  lenientAndroidPolicy,
  loadAndroidRoots,
  parseKeyDescription,
  parseRevocationStatus,
  strictAndroidPolicy,
  verifyAndroidKeyAttestation,
} from '../../attest/android/index.js';
import {
  APPLE_APP_ATTESTATION_ROOT_CA_PEM,
  loadAppleRoots,
  verifyAppleAssertion,
  verifyAppleAttestation,
} from '../../attest/apple/index.js';
import type { ComparedValues, StepVerdict, VerificationFailure } from '../../attest/contract.js';
import {
  decodePlayIntegrityTokenLocally,
  importPlayIntegrityKeys,
  verifyPlayIntegrityVerdict,
} from '../../attest/play-integrity/index.js';
import { decodeBase64Strict } from '../../encoding.js';
import { CliError, EXIT } from '../cli-error.js';
import type { CliIo } from '../io.js';
import { loadConfigOrFail } from '../load-config-or-fail.js';
import { inlineOrFile } from './token-inspect.js';

type Options = Record<string, unknown>;

interface Verdict {
  accepted: boolean;
  /** The assurance level the shield would give (attestations only). */
  level?: string;
  code?: string;
  message?: string;
  /** On refusal: the values the failing check compared. */
  compared?: ComparedValues;
  steps: StepVerdict[];
  facts?: Record<string, string | number | boolean>;
  /** Things the verdict alone does not say (an RSA key the shield itself would refuse). */
  notes?: string[];
}

function refused(failure: VerificationFailure, steps: StepVerdict[]): Verdict {
  return {
    accepted: false,
    code: failure.code,
    message: failure.message,
    ...(failure.compared === undefined ? {} : { compared: failure.compared }),
    steps,
  };
}

function usage(message: string, fix: string): never {
  throw new CliError(message, { exitCode: EXIT.usage, fix });
}

function text(options: Options, name: string, flag: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') usage(`${flag} is required for this --type`, `pass ${flag}`);
  return value;
}

function base64(value: string, flag: string): Buffer {
  const bytes =
    decodeBase64Strict(value.replace(/\s+/g, '')) ?? decodeBase64Strict(toPadded(value.replace(/\s+/g, '')));
  if (bytes === undefined)
    usage(`${flag}: not base64`, 'pass standard base64 (or base64url) without line breaks');
  return bytes;
}

function toPadded(value: string): string {
  const standard = value.replace(/-/g, '+').replace(/_/g, '/');
  return standard + '='.repeat((4 - (standard.length % 4)) % 4);
}

/** `--app-id`: an App ID, TEAMID.bundle.id. */
function appId(options: Options): string {
  const value = text(options, 'appId', '--app-id');
  if (!/^[A-Z0-9]{10}\.[^\s]+$/.test(value))
    usage(`--app-id ${value}: not an App ID`, 'pass TEAMID.bundle.id, e.g. ABCDE12345.com.example.shop');
  return value;
}

function verificationTime(options: Options): Date {
  if (options['at'] === undefined) return new Date();
  const at = new Date(String(options['at']));
  if (Number.isNaN(at.getTime()))
    usage(`--at ${String(options['at'])}: not a time`, 'pass an ISO time such as 2026-11-28T12:00:00Z');
  return at;
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

async function appleAttest(options: Options, io: CliIo): Promise<Verdict> {
  const environment = options['environment'];
  if (environment !== undefined && environment !== 'development' && environment !== 'production') {
    usage(`--environment ${String(environment)}: unknown`, 'pass development or production');
  }
  const result = verifyAppleAttestation(
    {
      keyId: text(options, 'keyId', '--key-id'),
      attestation: base64(
        await inlineOrFile(text(options, 'attestation', '--attestation'), io, '--attestation'),
        '--attestation',
      ),
      clientDataHash: base64(text(options, 'clientDataHash', '--client-data-hash'), '--client-data-hash'),
    },
    {
      appIds: [appId(options)],
      environments:
        environment === undefined ? ['development', 'production'] : [environment as 'development'],
    },
    { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] },
    verificationTime(options),
  );
  return result.ok
    ? { accepted: true, level: result.evidence.level, steps: result.steps, facts: result.evidence.facts }
    : refused(result, result.steps);
}

async function appleAssertion(options: Options, io: CliIo): Promise<Verdict> {
  const pem = await inlineOrFile(text(options, 'publicKey', '--public-key'), io, '--public-key');
  let publicKeyJwk: Record<string, unknown>;
  try {
    publicKeyJwk = createPublicKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
  } catch {
    usage('--public-key: not a PEM public key', 'pass the registered key as PEM (SPKI) or @FILE');
  }
  if (publicKeyJwk['kty'] !== 'EC' || publicKeyJwk['crv'] !== 'P-256')
    usage('--public-key: not an EC P-256 key', 'App Attest keys are EC P-256: pass the registered key');
  const counter = Number(text(options, 'previousCounter', '--previous-counter'));
  if (!Number.isSafeInteger(counter) || counter < 0)
    usage('--previous-counter: not a counter', 'pass the stored counter, e.g. 0');
  const result = verifyAppleAssertion(
    {
      assertion: base64(
        await inlineOrFile(text(options, 'assertion', '--assertion'), io, '--assertion'),
        '--assertion',
      ),
      clientDataHash: base64(text(options, 'clientDataHash', '--client-data-hash'), '--client-data-hash'),
    },
    { publicKeyJwk: publicKeyJwk as { kty: string }, counter },
    { appIds: [appId(options)] },
  );
  return result.ok
    ? { accepted: true, steps: result.steps, facts: { counter: result.counter } }
    : refused(result, result.steps);
}

async function androidKeyAttestation(options: Options, io: CliIo): Promise<Verdict> {
  const chainFile = text(options, 'chain', '--chain');
  const pem = await inlineOrFile(chainFile.startsWith('@') ? chainFile : `@${chainFile}`, io, '--chain');
  const blocks = pemBlocks(pem);
  if (blocks.length === 0)
    usage('--chain: no PEM certificate found', 'pass @FILE.pem with the chain, leaf first');
  const chain = blocks.map((block, index) => {
    try {
      return new Uint8Array(new X509Certificate(block).raw);
    } catch {
      return usage(
        `--chain: certificate ${index} (leaf = 0) is not an X.509 certificate`,
        'pass the chain as KeyStore.getCertificateChain returns it, each certificate as PEM',
      );
    }
  });
  // The exact bytes the key attested, compared as they are: a shield challenge is its UTF-8, a
  // WebAuthn android-key attestation a binary clientDataHash.
  const challengeBytes = base64(text(options, 'challenge', '--challenge'), '--challenge');
  const signingCerts = (options['signingCertSha256'] as string[] | undefined) ?? [];
  const packageName = options['package'] as string | undefined;
  const policyName = options['policy'];
  if (policyName !== 'strict' && policyName !== 'lenient')
    usage(`--policy ${String(policyName)}: unknown`, 'pass strict or lenient');
  // A check whose input was not given is skipped: it is fed the chain's own claim, so it passes
  // trivially, and is reported as skipped rather than passed.
  const claimed = claimedIdentity(chain[0]);
  const identity = {
    packageName: packageName ?? claimed.packageName ?? 'not.given',
    signingCertSha256:
      signingCerts.length > 0
        ? signingCerts
        : claimed.signingCertSha256.length > 0
          ? claimed.signingCertSha256
          : ['0'.repeat(64)],
  };
  const policy = policyName === 'lenient' ? lenientAndroidPolicy(identity) : strictAndroidPolicy(identity);
  let revocation: ReturnType<typeof parseRevocationStatus> = { entries: new Map() };
  if (options['revocation'] !== undefined) {
    const file = String(options['revocation']);
    const json = await inlineOrFile(file.startsWith('@') ? file : `@${file}`, io, '--revocation');
    try {
      revocation = parseRevocationStatus(JSON.parse(json));
    } catch {
      usage('--revocation: not a status list', 'pass Google\'s status JSON ({"entries": {...}})');
    }
  }
  const result = verifyAndroidKeyAttestation(
    { chain, challenge: new Uint8Array(challengeBytes) },
    policy,
    { roots: loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM), revocation },
    verificationTime(options),
    { anyKeyAlgorithm: true },
  );
  const skipped = new Set<string>();
  if (packageName === undefined) skipped.add('package_name');
  if (signingCerts.length === 0) skipped.add('signing_certificate');
  if (options['revocation'] === undefined) skipped.add('revocation');
  const steps = result.steps.map((s) =>
    skipped.has(s.step) && s.verdict === 'pass' ? { ...s, verdict: 'skipped' as const } : s,
  );
  if (!result.ok) return refused(result, steps);
  const keyAlgorithm = result.evidence.facts['keyAlgorithm'];
  return {
    accepted: true,
    level: result.evidence.level,
    steps,
    facts: result.evidence.facts,
    ...(keyAlgorithm === 'EC P-256'
      ? {}
      : {
          notes: [
            `the attested key is ${String(keyAlgorithm)}: the shield refuses it (android_key_not_p256), since app tokens and per-request proofs are bound to EC P-256 keys only`,
          ],
        }),
  };
}

/** The package name and signing digests the leaf's key description claims, if it parses. */
function claimedIdentity(leaf: Uint8Array | undefined): {
  packageName?: string;
  signingCertSha256: string[];
} {
  try {
    const extension =
      leaf === undefined ? undefined : findExtension(new X509Certificate(leaf), KEY_DESCRIPTION_OID);
    if (extension === undefined) return { signingCertSha256: [] };
    const description = parseKeyDescription(extension);
    const id =
      description.softwareEnforced.attestationApplicationId ??
      description.hardwareEnforced.attestationApplicationId;
    return {
      ...(id?.packages[0] !== undefined ? { packageName: id.packages[0].name } : {}),
      signingCertSha256: (id?.signatureDigests ?? []).map((digest) => Buffer.from(digest).toString('hex')),
    };
  } catch {
    return { signingCertSha256: [] };
  }
}

/** The DER value of one extension of a certificate (node:crypto has no generic getter). */
function findExtension(certificate: X509Certificate, oid: string): Uint8Array | undefined {
  const parsed = AsnConvert.parse(certificate.raw, Certificate);
  const extension = parsed.tbsCertificate.extensions?.find((item) => item.extnID === oid);
  return extension === undefined ? undefined : new Uint8Array(extension.extnValue.buffer);
}

async function playIntegrity(options: Options, io: CliIo): Promise<Verdict> {
  const configFile = text(options, 'config', '--config');
  const appId = text(options, 'appId', '--app-id');
  const config = await loadConfigOrFail(configFile, io);
  const android = config.apps[appId]?.android;
  const play = android?.playIntegrity;
  if (android === undefined || play === undefined)
    usage(
      `app ${appId} has no android.playIntegrity in ${configFile}`,
      'configure it, or pass the right --app-id',
    );
  if (play.decode !== 'local')
    usage('offline check needs decode: local keys', 'configure decryptionKey and verificationKey');
  const token = await inlineOrFile(text(options, 'token', '--token'), io, '--token');
  const decoded = await decodePlayIntegrityTokenLocally(token, importPlayIntegrityKeys(play));
  if (!decoded.ok) return refused(decoded, [{ step: 'decode', verdict: 'fail' }]);
  // A Play Integrity challenge is text (the nonce or the hashed requestHash input): bytes that
  // are not UTF-8 cannot be one, and are refused rather than decoded lossily.
  let challenge: string | undefined;
  if (typeof options['challenge'] === 'string') {
    try {
      challenge = new TextDecoder('utf-8', { fatal: true }).decode(
        base64(options['challenge'], '--challenge'),
      );
    } catch {
      usage(
        '--challenge: not UTF-8 text',
        'a Play Integrity challenge is text: pass base64 of its UTF-8 bytes',
      );
    }
  }
  const result = verifyPlayIntegrityVerdict(
    decoded.payload,
    {
      packageName: android.packageName,
      certificateSha256: android.signingCertSha256,
      maxAgeSeconds: play.maxAgeSeconds,
      minDeviceRecognition: play.minDeviceRecognition,
      appRecognition: play.appRecognition,
      requireLicensed: play.requireLicensed,
    },
    { challenge: challenge ?? '' },
    verificationTime(options),
  );
  const steps = [{ step: 'decode', verdict: 'pass' as const }, ...result.steps];
  return result.ok
    ? { accepted: true, level: result.evidence.level, steps, facts: result.evidence.facts }
    : refused(result, steps);
}

const VERIFIERS = {
  'apple-app-attest': appleAttest,
  'apple-assertion': appleAssertion,
  'android-key-attestation': androidKeyAttestation,
  'play-integrity': playIntegrity,
} satisfies Record<string, (options: Options, io: CliIo) => Promise<Verdict>>;

/**
 * Runs a verifier; every problem with what the caller passed (a missing or malformed option, a
 * file that is not a chain, a config that does not load, a policy value a verifier rejects) is a
 * usage error, exit 2, never a refusal of the evidence.
 */
async function judge(type: keyof typeof VERIFIERS, options: Options, io: CliIo): Promise<Verdict> {
  try {
    return await VERIFIERS[type](options, io);
  } catch (error) {
    if (error instanceof CliError) {
      throw error.exitCode === EXIT.usage
        ? error
        : new CliError(error.message, {
            exitCode: EXIT.usage,
            ...(error.fix === undefined ? {} : { fix: error.fix }),
          });
    }
    // Verifiers throw a TypeError only for caller mistakes (their contract).
    if (error instanceof TypeError) throw new CliError(error.message, { exitCode: EXIT.usage });
    throw error;
  }
}

/**
 * `portcullis evidence verify`: checks one saved piece of evidence offline and prints each step's
 * verdict; accepted evidence with its level and facts, a refusal with the failing step's code and
 * the values that check compared. Exit 0 accepted, 1 refused, 2 usage error (as JSON on stdout
 * too under `--json`).
 */
export async function evidenceVerifyCommand(options: Options, io: CliIo): Promise<number> {
  const type = options['type'] as keyof typeof VERIFIERS;
  const json = options['json'] === true;
  let verdict: Verdict;
  try {
    verdict = await judge(type, options, io);
  } catch (error) {
    if (json && error instanceof CliError) {
      io.out(
        JSON.stringify(
          {
            type,
            error: { message: error.message, ...(error.fix === undefined ? {} : { fix: error.fix }) },
          },
          null,
          2,
        ),
      );
    }
    throw error;
  }
  if (json) {
    io.out(JSON.stringify({ type, ...verdict }, null, 2));
  } else {
    for (const step of verdict.steps) {
      io.out(
        `  ${step.verdict === 'pass' ? 'pass   ' : step.verdict === 'fail' ? 'FAIL   ' : 'skipped'}  ${step.step}`,
      );
    }
    if (verdict.accepted) {
      io.out(`accepted (${type})${verdict.level === undefined ? '' : ` at level ${verdict.level}`}`);
      for (const [name, value] of Object.entries(verdict.facts ?? {})) io.out(`  ${name}: ${value}`);
    } else {
      io.out(`refused: ${verdict.code} — ${verdict.message}`);
      for (const [name, value] of Object.entries(verdict.compared ?? {})) io.out(`  ${name}: ${value}`);
    }
    for (const note of verdict.notes ?? []) io.out(`note: ${note}`);
  }
  return verdict.accepted ? EXIT.ok : EXIT.failure;
}
