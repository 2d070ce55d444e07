import { EVIDENCE_TYPES } from '@portcullis/protocol';
import { z } from 'zod';

/** Wire shapes of the attestation endpoints (protocol §2), strict: unknown members are refused. */

const appId = z.string().min(1).max(64);
const challenge = z.string().min(16).max(128);
const b64 = z.string().min(1).max(65_536);

const evidence = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('apple-app-attest'),
    keyId: z.string().min(1).max(128),
    attestation: b64,
  }),
  z.strictObject({
    type: z.literal('android-key-attestation'),
    certificateChain: z.array(z.string().min(1).max(16_384)).min(2).max(10),
  }),
  z.strictObject({ type: z.literal('play-integrity'), token: z.string().min(1).max(16_384) }),
  z.strictObject({ type: z.literal('debug'), token: z.string().min(1).max(512) }),
  z.strictObject({ type: z.literal('client-signals'), signals: z.record(z.string().max(64), z.unknown()) }),
]);

export const challengeRequestSchema = z.strictObject({ appId });

export const attestRequestSchema = z.strictObject({
  appId,
  challenge,
  evidence: z
    .array(evidence)
    .min(1)
    .max(EVIDENCE_TYPES.length)
    .refine((items) => new Set(items.map((item) => item.type)).size === items.length, {
      message: 'each evidence type at most once',
    }),
});

export const assertRequestSchema = z.strictObject({
  appId,
  challenge,
  keyId: z.string().min(1).max(128),
  assertion: b64,
  /** Bind the new token to this request's Authorization header (the `ath` claim, protocol §4). */
  bindAuthorization: z.boolean().optional(),
});
