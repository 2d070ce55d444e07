/**
 * The native capabilities the providers need, as small structural interfaces: the SDK imports no
 * native package. `expoAppIntegrityBridges` and `pagopaIntegrityBridges` build them from the
 * modules an app already has; tests and other runtimes implement them directly.
 */

/** App Attest (DCAppAttestService), as an iOS bridge exposes it. */
export interface AppAttestBridge {
  /** DCAppAttestService.isSupported. */
  isSupported(): boolean | Promise<boolean>;
  /** DCAppAttestService.generateKey: the new key's id (standard base64 of SHA-256 of the public key). */
  generateKey(): Promise<string>;
  /**
   * DCAppAttestService.attestKey with clientDataHash = SHA-256 of the UTF-8 bytes of `challenge`
   * (the bridge hashes): the attestation object as standard base64.
   */
  attestKey(keyId: string, challenge: string): Promise<string>;
  /**
   * DCAppAttestService.generateAssertion with clientDataHash = SHA-256 of the UTF-8 bytes of
   * `data` (the bridge hashes): the assertion CBOR as standard base64.
   */
  generateAssertion(keyId: string, data: string): Promise<string>;
}

/** An Android Keystore EC P-256 key with key attestation. */
export interface AndroidKeyBridge {
  /**
   * Generates (replacing any key under `alias`) an EC P-256 signing key with
   * `setAttestationChallenge(UTF-8 bytes of challenge)` and returns its certificate chain: each
   * certificate as standard base64 DER, leaf first.
   */
  attestKey(alias: string, challenge: string): Promise<string[]>;
  /**
   * `Signature("SHA256withECDSA")` by the key under `alias` over the UTF-8 bytes of `data`: the
   * DER signature as standard base64. Absent when the bridge cannot sign with the attested key;
   * then every refresh attests a new key and proofs are unavailable.
   */
  sign?(alias: string, data: string): Promise<string>;
}

/** Play Integrity standard requests. */
export interface PlayIntegrityBridge {
  /** StandardIntegrityManager.prepareIntegrityToken for the Google Cloud project number. */
  prepare(cloudProjectNumber: string): Promise<void>;
  /** StandardIntegrityTokenProvider.request with `requestHash` passed verbatim: the token. */
  request(requestHash: string): Promise<string>;
}
