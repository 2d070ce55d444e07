import type { AssuranceLevel } from '@portcullis/protocol';
import type { Config, RouteConfig } from '../config/index.js';
import type { HttpResponse } from './http/read-http-responses.js';
import type { EchoedRequest } from './start-echo-upstream.js';

/** `dry-run`: the probe started the shield itself, with echo upstreams; `target`: a running shield. */
export type ProbeMode = 'dry-run' | 'target';

/**
 * What became of one case: `held` (the shield refused, or scrubbed, as it must), `got-through`
 * (the attack worked), `inconclusive` (the answer does not tell), `skipped` (not run, with why).
 */
export type ProbeOutcome = 'held' | 'got-through' | 'inconclusive' | 'skipped';

/** One row of the report. The JSON report is a list of these (docs/probe.md). */
export interface ProbeCaseResult {
  /** Stable case id, e.g. `token-missing`. */
  id: string;
  /** Threat IDs of docs/threat-model.md the case exercises. */
  threats: string[];
  title: string;
  /** The route the case aimed at (its id), or null for the listener as a whole. */
  route: string | null;
  /** What the shield must do. */
  expectation: string;
  outcome: ProbeOutcome;
  /** Status of the (last relevant) answer, or null when there was none. */
  status: number | null;
  /** The shield's problem code, when the answer was a shield refusal. */
  code: string | null;
  /** What was observed, in a sentence. Never holds a token, proof or secret. */
  detail: string;
  /** How to fix it: set when the outcome is got-through or inconclusive. */
  fix: string | null;
}

/** A software device key the dry run registered with the shield it started. */
export interface ProbeDevice {
  kid: string;
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  /** DER ECDSA P-256 SHA-256 over the message, as an Android Keystore key signs. */
  sign(message: string): Uint8Array;
}

/** What a dry run mints: an app token signed by the started shield's own key. */
export interface MintSpec {
  app: string;
  level: AssuranceLevel;
  platform: 'ios' | 'android' | 'debug';
  device?: ProbeDevice;
  /** Default: the app's audiences. */
  audiences?: string[];
  /** Default: the config's issuer. */
  issuer?: string;
  /** Shift of the issuer's clock, seconds (negative: a token issued in the past). */
  offsetSeconds?: number;
  ttlSeconds?: number;
  /** Binds the token to an Authorization value (`ath`). */
  authorization?: string;
}

/** Powers only a dry run has: the signing key, the device store and the echo upstream's log. */
export interface DryRunPowers {
  mint(spec: MintSpec): Promise<string>;
  /** A fresh device key registered for the app (revoked when asked). */
  device(app: string, options?: { revoked?: boolean }): Promise<ProbeDevice>;
  /** Every request the echo upstream received, oldest first. */
  readonly upstream: readonly EchoedRequest[];
}

/** The shield under probe, however it was reached. */
export interface ProbeEnvironment {
  mode: ProbeMode;
  /** Origin of the shield's public listener. */
  url: URL;
  /** The config that describes the shield. */
  config: Config;
  dryRun: DryRunPowers | null;
  /**
   * A debug-level token of `app`: minted (dry run) or obtained through /v1/challenge and
   * /v1/attest with the debug credential the owner gave (target); null when there is none.
   * `spend` reserves the requests it sends.
   */
  debugToken(app: string, spend: (count: number) => Promise<void>): Promise<string | null>;
  /** The route the owner marked as echoing (target); in a dry run every route echoes. */
  echoRoute: RouteConfig | null;
  close(): Promise<void>;
}

/** One exchange, as a case sees it. */
export interface ProbeExchange {
  /** The final response of the (first) request, or null when none came back. */
  response: HttpResponse | null;
  /** Every response read on the connection. */
  responses: HttpResponse[];
  status: number | null;
  /** The shield's problem code, when the first answer is a shield refusal. */
  code: string | null;
  /** The first answer is a problem+json refusal written by a Portcullis shield. */
  shieldRefusal: boolean;
  closed: boolean;
  error: string | null;
  /** Dry run: what the upstream received during the exchange; target: null (unknown). */
  upstream: EchoedRequest[] | null;
}

/** A case's finding, before the runner adds the case's identity and fix. */
export interface ProbeVerdict {
  outcome: ProbeOutcome;
  status?: number | null;
  code?: string | null;
  detail: string;
  /** Overrides the case's fix (when the right fix depends on what was seen). */
  fix?: string;
}
