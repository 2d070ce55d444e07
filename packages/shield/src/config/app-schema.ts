import { createPublicKey } from 'node:crypto';
import { EVIDENCE_TYPES, type EvidenceType } from '@portcullis/protocol';
import { z } from 'zod';
import { decodeBase64Strict } from '../encoding.js';
import {
  durationSeconds,
  formatted,
  type IssueSink,
  intFieldWithDefault,
  isLoopbackHostname,
  isoDateField,
  optionalIntField,
  parseUrl,
  reportDuplicates,
  reportIssue,
  urlField,
  WHEN_VALID,
} from './fields.js';

const iosSchema = z
  .strictObject({
    teamId: formatted('teamId').describe('Apple Developer Team ID (10 upper-case letters or digits).'),
    bundleIds: z
      .array(formatted('bundleId'))
      .min(1)
      .describe('Bundle identifiers of the app; App Attest binds keys to H(teamId + "." + bundleId).'),
    environments: z
      .array(z.enum(['development', 'production']))
      .min(1)
      .default(['production'])
      .describe('App Attest environments accepted (development keys come from Xcode builds).'),
  })
  .superRefine((ios, ctx) => {
    reportDuplicates(ctx, ios.bundleIds, ['bundleIds'], 'bundle id');
    reportDuplicates(ctx, ios.environments, ['environments'], 'environment');
  }, WHEN_VALID)
  .describe('iOS identity: App Attest.');

const SECURITY_LEVELS = ['software', 'tee', 'strongbox'] as const;

/** What `policy` means for the keys left unset. */
const KEY_ATTESTATION_POLICIES = {
  strict: { minSecurityLevel: 'tee', requireVerifiedBoot: true, requireLockedBootloader: true },
  lenient: { minSecurityLevel: 'tee', requireVerifiedBoot: false, requireLockedBootloader: false },
} as const;

const keyAttestationSchema = z
  .strictObject({
    policy: z
      .enum(['strict', 'lenient'])
      .default('strict')
      .describe(
        'strict: TEE or StrongBox, verified boot, locked bootloader; lenient: a hardware-backed key (TEE or StrongBox) only, and a device without verified boot and a locked bootloader gets level basic (its OS vouches for the app). Keys below override.',
      ),
    minSecurityLevel: z
      .enum(SECURITY_LEVELS)
      .optional()
      .describe('Lowest accepted attestation security level.'),
    requireVerifiedBoot: z.boolean().optional().describe('Require verified boot state Verified.'),
    requireLockedBootloader: z.boolean().optional().describe('Require a locked bootloader.'),
    minOsPatchLevel: optionalIntField(200801, 209912).describe('Lowest accepted OS patch level, as YYYYMM.'),
    minAppVersion: optionalIntField(0, 2_100_000_000).describe('Lowest accepted app versionCode.'),
  })
  .superRefine((ka, ctx) => {
    const month = ka.minOsPatchLevel === undefined ? 1 : ka.minOsPatchLevel % 100;
    if (month < 1 || month > 12) {
      reportIssue(ctx, {
        path: ['minOsPatchLevel'],
        code: 'invalid_format',
        message: 'a patch level is YYYYMM with a month from 01 to 12',
        fix: 'write e.g. 202501 for January 2025',
      });
    }
  })
  .transform((ka) => {
    const defaults = KEY_ATTESTATION_POLICIES[ka.policy];
    return {
      ...ka,
      minSecurityLevel: ka.minSecurityLevel ?? defaults.minSecurityLevel,
      requireVerifiedBoot: ka.requireVerifiedBoot ?? defaults.requireVerifiedBoot,
      requireLockedBootloader: ka.requireLockedBootloader ?? defaults.requireLockedBootloader,
    };
  });

function keyIssue(ctx: IssueSink, path: string, message: string): void {
  reportIssue(ctx, {
    path: [],
    code: 'play_integrity_key_invalid',
    message: `${path} ${message}`,
    fix: 'copy the key again from the Play Console (App integrity, Response encryption) on one line',
  });
}

const playCommon = {
  maxAgeSeconds: intFieldWithDefault(10, 3600, 300).describe('Oldest accepted verdict, in seconds.'),
  minDeviceRecognition: z
    .enum(['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY', 'MEETS_STRONG_INTEGRITY'])
    .default('MEETS_DEVICE_INTEGRITY')
    .describe('Lowest accepted device recognition verdict.'),
  appRecognition: z
    .enum(['PLAY_RECOGNIZED', 'any'])
    .default('PLAY_RECOGNIZED')
    .describe('PLAY_RECOGNIZED: only the binary Google Play knows; any: also sideloaded builds.'),
  requireLicensed: z.boolean().default(false).describe('Require a LICENSED account verdict.'),
};

const playLocalSchema = z.strictObject({
  decode: z.literal('local').describe('Decrypt and verify the token here (classic requests).'),
  decryptionKey: z
    .string()
    .superRefine((value, ctx) => {
      if (decodeBase64Strict(value)?.length !== 32)
        keyIssue(ctx, 'decryptionKey', 'must be base64 of 32 bytes (AES-256)');
    })
    .describe(`Response decryption key (base64, 32 bytes). Use \${env:NAME} or \${file:PATH}.`),
  verificationKey: z
    .string()
    .superRefine((value, ctx) => {
      const der = decodeBase64Strict(value);
      let ok = false;
      if (der !== undefined) {
        try {
          const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
          ok = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
        } catch {
          ok = false;
        }
      }
      if (!ok) keyIssue(ctx, 'verificationKey', 'must be base64 of an EC P-256 public key (SPKI DER)');
    })
    .describe('Response verification key (base64 SPKI, EC P-256).'),
  ...playCommon,
});

const playGoogleSchema = z.strictObject({
  decode: z
    .literal('google')
    .describe('Decode through Google’s decodeIntegrityToken endpoint (standard requests).'),
  serviceAccountFile: z
    .string()
    .min(1)
    .describe('Service-account JSON key file with the Play Integrity API enabled.'),
  endpoint: urlField({
    protocols: ['https', 'http'],
    code: 'invalid_format',
    allowCredentials: false,
    allowQuery: false,
    example: 'https://playintegrity.googleapis.com',
  })
    .superRefine((value, ctx) => {
      const url = parseUrl(value);
      if (url?.protocol === 'http:' && !isLoopbackHostname(url.hostname)) {
        reportIssue(ctx, {
          path: [],
          code: 'invalid_format',
          message: 'the endpoint must be https (plain http only for a loopback test server)',
          fix: 'use https://, or leave endpoint unset for Google’s',
        });
      }
    })
    .optional()
    .describe('Override of Google’s endpoint (tests).'),
  ...playCommon,
});

const playIntegritySchema = z
  .discriminatedUnion('decode', [playLocalSchema, playGoogleSchema])
  .describe('Play Integrity verdict policy.');

const androidSchema = z
  .strictObject({
    packageName: formatted('packageName').describe('The applicationId.'),
    signingCertSha256: z
      .array(formatted('certSha256').transform((digest) => digest.replaceAll(':', '').toLowerCase()))
      .min(1)
      .describe('SHA-256 digests of the accepted app signing certificates (hex, ":" optional).'),
    keyAttestation: keyAttestationSchema.prefault({}).describe('Android key attestation policy.'),
    playIntegrity: playIntegritySchema.optional(),
  })
  .superRefine((android, ctx) => {
    reportDuplicates(ctx, android.signingCertSha256, ['signingCertSha256'], 'certificate digest');
  }, WHEN_VALID)
  .describe('Android identity: key attestation and Play Integrity.');

const debugTokenSchema = z
  .strictObject({
    name: formatted('debugTokenName').describe('Who holds the token (audited with every use).'),
    sha256: formatted('sha256Hex')
      .transform((hex) => hex.toLowerCase())
      .describe('SHA-256 of the token, hex. The token itself is never written here.'),
    expires: isoDateField().describe('Expiry: an ISO date (midnight UTC) or date-time with offset.'),
    scope: z
      .strictObject({
        audiences: z
          .array(formatted('audience'))
          .min(1)
          .optional()
          .describe('Restrict tokens to these audiences.'),
      })
      .optional()
      .describe('What tokens minted with this credential may be used for.'),
  })
  .describe('A debug credential for simulators, emulators, CI and device farms.');

/** The evidence kinds an app's sections allow, in EVIDENCE_TYPES order. */
function availableEvidence(app: {
  ios?: unknown;
  android?: { playIntegrity?: unknown } | undefined;
  debugTokens: readonly unknown[];
}): EvidenceType[] {
  const kinds: EvidenceType[] = [];
  if (app.ios !== undefined) kinds.push('apple-app-attest');
  if (app.android !== undefined) kinds.push('android-key-attestation');
  if (app.android?.playIntegrity !== undefined) kinds.push('play-integrity');
  if (app.debugTokens.length > 0) kinds.push('debug');
  return kinds;
}

/**
 * One app (protocol §1). `audiences` defaults to `[appId]` and is filled in by the apps record;
 * `evidence` defaults to every kind the app's sections allow.
 */
export const appSchema = z
  .strictObject({
    audiences: z
      .array(formatted('audience'))
      .min(1)
      .optional()
      .describe('API audiences put in the app’s tokens (`aud`). Default: [appId].'),
    tokenTtlSeconds: intFieldWithDefault(30, 86400, 300).describe(
      'Lifetime of the app’s tokens; at most tokens.maxTtlSeconds.',
    ),
    registrationMaxAge: durationSeconds(3600, 366 * 86400)
      .default(30 * 86400)
      .describe(
        'How long a registered device key’s attestation counts (30d, 12h or seconds): after it, refreshes and proofs are refused until the device attests again. Default 30d.',
      ),
    evidence: z
      .array(z.enum(EVIDENCE_TYPES))
      .min(1)
      .optional()
      .describe('Evidence kinds that may mint a token. Default: every kind the sections below allow.'),
    ios: iosSchema.optional(),
    android: androidSchema.optional(),
    debugTokens: z.array(debugTokenSchema).default([]).describe('Debug credentials (stored hashed).'),
  })
  .superRefine((app, ctx) => {
    const available = availableEvidence(app);
    if (app.audiences !== undefined) reportDuplicates(ctx, app.audiences, ['audiences'], 'audience');
    reportDuplicates(
      ctx,
      app.debugTokens.map((token) => token.name),
      ['debugTokens'],
      'debug token name',
    );
    if (app.evidence === undefined) {
      if (available.length === 0) {
        reportIssue(ctx, {
          path: [],
          code: 'app_evidence_insufficient',
          message: 'this app can mint no token: it has no ios or android section and no debug token',
          fix: 'add an ios or android section (or a debug token for development)',
        });
      }
      return;
    }
    reportDuplicates(ctx, app.evidence, ['evidence'], 'evidence kind');
    const section: Record<EvidenceType, string> = {
      'apple-app-attest': 'an ios section',
      'android-key-attestation': 'an android section',
      'play-integrity': 'an android.playIntegrity section',
      debug: 'at least one debug token',
      'client-signals': '',
    };
    app.evidence.forEach((kind, index) => {
      if (kind !== 'client-signals' && !available.includes(kind)) {
        reportIssue(ctx, {
          path: ['evidence', index],
          code: 'app_evidence_unsupported',
          message: `${kind} needs ${section[kind]}, which this app does not have`,
          fix: `add ${section[kind]}, or remove ${kind} from evidence`,
        });
      }
    });
    if (app.evidence.every((kind) => kind === 'client-signals')) {
      reportIssue(ctx, {
        path: ['evidence'],
        code: 'app_evidence_insufficient',
        message: 'client-signals are self-reported and never enough to mint a token on their own',
        fix: 'add apple-app-attest, android-key-attestation, play-integrity or debug',
      });
    }
  }, WHEN_VALID)
  .transform((app) => ({ ...app, evidence: app.evidence ?? availableEvidence(app) }));
