/**
 * Why an app token was refused: the audit-only sub-code (`ShieldError.reason`) behind the
 * client-facing `token_invalid` / `token_expired`. Stable: a reason is never reused for another
 * meaning. docs/tokens.md lists the same table.
 *
 * @example
 * ```ts
 * const row = TOKEN_FAILURE_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const TOKEN_FAILURE_REASONS = [
  {
    code: 'token_too_long',
    meaning: 'The token is longer than 4096 characters; refused before any decoding.',
    fix: 'Send the token exactly as /v1/attest or /v1/assert returned it; app tokens are well under 1 KB.',
  },
  {
    code: 'token_malformed',
    meaning:
      'Not a compact JWS: not exactly three non-empty dot-separated segments, a segment that is not canonical unpadded base64url, or a header that is not a UTF-8 JSON object (JWE and JSON serialization land here).',
    fix: 'Send the compact token unchanged: no whitespace, padding, quotes or extra segments.',
  },
  {
    code: 'token_duplicate_member',
    meaning:
      'The header or the claims repeat a JSON member name (JSON.parse would silently keep the last one).',
    fix: 'Only tokens minted by the shield are accepted; a repeated member means the token was forged or altered.',
  },
  {
    code: 'token_header_not_allowed',
    meaning:
      'The protected header carries a member other than alg, typ and kid (jku, x5u, jwk, x5c, crit, b64, zip, enc, p2c, ...).',
    fix: 'The shield never fetches or trusts keys named by a token; use the token as minted.',
  },
  {
    code: 'token_alg_not_allowed',
    meaning:
      "alg is missing, not in the verifier's allow-list (ES256, EdDSA), or not the algorithm pinned to the key named by kid.",
    fix: 'Tokens are only signed with ES256 or EdDSA by the shield; none, HS*, RS*, PS*, ES384/512/256K are always refused.',
  },
  {
    code: 'token_typ_invalid',
    meaning: 'The header typ is not "app+jwt" (RFC 8725 §3.11 explicit typing).',
    fix: 'Do not send other JWTs (ID tokens, access tokens, proofs) in the Portcullis-Token header.',
  },
  {
    code: 'token_kid_invalid',
    meaning: 'kid is missing or is not a short string of [A-Za-z0-9._:@-] (at most 128 characters).',
    fix: 'Send the token as minted; the kid is the RFC 7638 thumbprint of a shield signing key.',
  },
  {
    code: 'token_kid_unknown',
    meaning: 'No published signing key has this kid (never existed, or retired and pruned).',
    fix: 'Get a fresh token; if this follows a key rotation, check retireAfterSeconds covers the token lifetime plus tolerance.',
  },
  {
    code: 'token_signature_malformed',
    meaning:
      'The signature is not 64 bytes (ES256 IEEE P1363 r||s, or Ed25519); DER-encoded ECDSA lands here.',
    fix: 'JWS ES256 signatures are the raw 64-byte r||s, never DER.',
  },
  {
    code: 'token_signature_invalid',
    meaning: 'The signature does not verify with the key named by kid (includes r or s equal to 0 or >= n).',
    fix: 'The token was altered or signed by another key; get a fresh token from the shield.',
  },
  {
    code: 'token_claims_invalid',
    meaning:
      'The claims are not a JSON object of the app-token profile: an unknown claim, a missing or mistyped claim, a number that is not a plain integer, nesting deeper than allowed, a bad cnf, jti, plt or lvl.',
    fix: 'Only tokens minted by the shield are accepted; do not build app tokens by hand.',
  },
  {
    code: 'token_issuer_mismatch',
    meaning: 'iss is not exactly the configured issuer (case and trailing slash matter).',
    fix: 'Point the client at the shield that minted its token, or align the issuer setting between instances.',
  },
  {
    code: 'token_audience_mismatch',
    meaning: 'aud is not a non-empty array whose every entry is one of the audiences this verifier serves.',
    fix: "Check the app's configured audiences against the gateway's audiences.",
  },
  {
    code: 'token_lifetime_too_long',
    meaning: 'exp - iat is larger than the configured maximum lifetime.',
    fix: "Lower the app's token TTL, or raise maxLifetimeSeconds on the verifier deliberately.",
  },
  {
    code: 'token_iat_in_future',
    meaning: 'iat is later than now plus the clock tolerance.',
    fix: "Check the shield hosts' clocks (NTP); tolerance is at most 60 s.",
  },
  {
    code: 'token_not_yet_valid',
    meaning: 'nbf is later than now plus the clock tolerance.',
    fix: 'Wait until the token is valid, or check the clocks of the shield hosts.',
  },
  {
    code: 'token_expired',
    meaning: 'exp is at or before now minus the clock tolerance (client code token_expired).',
    fix: 'Refresh the token with /v1/assert.',
  },
  {
    code: 'token_dev_not_allowed',
    meaning:
      'The token carries dev: true (minted from a test-kit root) and this verifier does not accept development tokens.',
    fix: 'Use real-device attestation in production; enable allowDev only on development shields.',
  },
] as const satisfies readonly { code: string; meaning: string; fix: string }[];

/** A stable reason why an app token was refused. */
export type TokenFailureReason = (typeof TOKEN_FAILURE_REASONS)[number]['code'];
