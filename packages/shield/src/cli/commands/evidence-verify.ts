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
import type { StepVerdict } from '../../attest/contract.js';
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
  code?: string;
  message?: string;
  steps: StepVerdict[];
  facts?: Record<string, string | number | boolean>;
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
      appIds: [text(options, 'appId', '--app-id')],
      environments:
        environment === undefined ? ['development', 'production'] : [environment as 'development'],
    },
    { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] },
    verificationTime(options),
  );
  return result.ok
    ? { accepted: true, steps: result.steps, facts: result.evidence.facts }
    : { accepted: false, code: result.code, message: result.message, steps: result.steps };
}

async function appleAssertion(options: Options, io: CliIo): Promise<Verdict> {
  const pem = await inlineOrFile(text(options, 'publicKey', '--public-key'), io, '--public-key');
  let publicKeyJwk: Record<string, unknown>;
  try {
    publicKeyJwk = createPublicKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
  } catch {
    usage('--public-key: not a PEM public key', 'pass the registered key as PEM (SPKI) or @FILE');
  }
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
    { appIds: [text(options, 'appId', '--app-id')] },
  );
  return result.ok
    ? { accepted: true, steps: result.steps, facts: { counter: result.counter } }
    : { accepted: false, code: result.code, message: result.message, steps: result.steps };
}

async function androidKeyAttestation(options: Options, io: CliIo): Promise<Verdict> {
  const chainFile = text(options, 'chain', '--chain');
  const pem = await inlineOrFile(chainFile.startsWith('@') ? chainFile : `@${chainFile}`, io, '--chain');
  const blocks = pemBlocks(pem);
  if (blocks.length === 0)
    usage('--chain: no PEM certificate found', 'pass @FILE.pem with the chain, leaf first');
  const chain = blocks.map((block) => new Uint8Array(new X509Certificate(block).raw));
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
    { chain, challenge: challengeBytes.toString('utf8') },
    policy,
    { roots: loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM), revocation },
    verificationTime(options),
  );
  const skipped = new Set<string>();
  if (packageName === undefined) skipped.add('package_name');
  if (signingCerts.length === 0) skipped.add('signing_certificate');
  if (options['revocation'] === undefined) skipped.add('revocation');
  const steps = result.steps.map((s) =>
    skipped.has(s.step) && s.verdict === 'pass' ? { ...s, verdict: 'skipped' as const } : s,
  );
  return result.ok
    ? { accepted: true, steps, facts: result.evidence.facts }
    : { accepted: false, code: result.code, message: result.message, steps };
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
  if (!decoded.ok)
    return {
      accepted: false,
      code: decoded.code,
      message: decoded.message,
      steps: [{ step: 'decode', verdict: 'fail' }],
    };
  const challenge =
    typeof options['challenge'] === 'string'
      ? base64(options['challenge'], '--challenge').toString('utf8')
      : undefined;
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
    ? { accepted: true, steps, facts: result.evidence.facts }
    : { accepted: false, code: result.code, message: result.message, steps };
}

const VERIFIERS = {
  'apple-app-attest': appleAttest,
  'apple-assertion': appleAssertion,
  'android-key-attestation': androidKeyAttestation,
  'play-integrity': playIntegrity,
} satisfies Record<string, (options: Options, io: CliIo) => Promise<Verdict>>;

/**
 * `portcullis evidence verify`: checks one saved piece of evidence offline and prints each step's
 * verdict and, on refusal, the failing step's code. Exit 0 accepted, 1 refused, 2 usage error.
 */
export async function evidenceVerifyCommand(options: Options, io: CliIo): Promise<number> {
  const type = options['type'] as keyof typeof VERIFIERS;
  const verdict = await VERIFIERS[type](options, io);
  if (options['json'] === true) {
    io.out(JSON.stringify({ type, ...verdict }, null, 2));
  } else {
    for (const step of verdict.steps) {
      io.out(
        `  ${step.verdict === 'pass' ? 'pass   ' : step.verdict === 'fail' ? 'FAIL   ' : 'skipped'}  ${step.step}`,
      );
    }
    io.out(verdict.accepted ? `accepted (${type})` : `refused: ${verdict.code} — ${verdict.message}`);
  }
  return verdict.accepted ? EXIT.ok : EXIT.failure;
}
