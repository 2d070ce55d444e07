import type { Platform } from '@portcullis/protocol';
import type { PortcullisErrorCode } from './portcullis-error.js';

/**
 * What the SDK reports for observability (logs, metrics, support screens). Events never carry a
 * token, a key, a signature, a request body or a query string.
 */
export type PortcullisEvent =
  /** A new app token: `via` says whether it cost an attestation or only an assertion. */
  | { type: 'token_issued'; via: 'attest' | 'assert'; platform: Platform; expiresInSeconds: number }
  /** A refresh failed; `background` when a still-valid token was kept and the app did not wait. */
  | { type: 'token_refresh_failed'; code: PortcullisErrorCode; background: boolean }
  /**
   * The device key was dropped: `device` (the bridge says it is gone), `shield_unknown` (the
   * shield does not know it: its store was reset), `revoked` (the operator revoked it).
   */
  | { type: 'key_lost'; reason: 'device' | 'shield_unknown' | 'revoked' }
  /** The SDK waits before trying again (rate limits, attestation throttling). */
  | { type: 'backoff'; code: PortcullisErrorCode; attempt: number; delayMs: number }
  /** A request is sent again once: after a token refresh, a learned proof route or a clock fix. */
  | { type: 'retry'; code: PortcullisErrorCode; method: string; path: string }
  /** The shield asked for a proof on a route the config did not list; it is signed from now on. */
  | { type: 'proof_route_learned'; method: string; path: string }
  /** The device clock differs from the shield's by more than 5 s; proofs use the shield's time. */
  | { type: 'clock_offset'; offsetMs: number }
  /** A gateway request finished (path without query). `code` is the shield's code on a refusal. */
  | {
      type: 'response';
      method: string;
      path: string;
      status: number;
      code: PortcullisErrorCode | null;
      signed: boolean;
    }
  /** Something the owner must see, such as the debug provider in a release build. */
  | { type: 'warning'; code: 'debug_provider_in_release'; message: string };

/** Receives events; a listener that throws is ignored. */
export type PortcullisListener = (event: PortcullisEvent) => void;

/** A set of listeners: `emit` never throws, whatever a listener does. */
export interface PortcullisEventHub {
  emit(event: PortcullisEvent): void;
  on(listener: PortcullisListener): () => void;
}

/** Creates the event hub of one client. */
export function createPortcullisEventHub(initial?: PortcullisListener): PortcullisEventHub {
  const listeners = new Set<PortcullisListener>();
  if (initial !== undefined) listeners.add(initial);
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // An observer must never change what the SDK does.
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
