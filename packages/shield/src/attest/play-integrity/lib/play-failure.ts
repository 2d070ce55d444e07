import { fail, type VerificationFailure } from '../../contract.js';
import {
  PLAY_INTEGRITY_FAILURE_CODES,
  type PlayIntegrityFailureCode,
} from '../play-integrity-failure-codes.js';

const KIND_BY_CODE: ReadonlyMap<string, VerificationFailure['kind']> = new Map(
  PLAY_INTEGRITY_FAILURE_CODES.map((entry) => [entry.code, entry.kind]),
);

/** A failure whose kind always comes from the code table, so one code never changes kind. */
export function playFailure(code: PlayIntegrityFailureCode, message: string): VerificationFailure {
  return fail(code, KIND_BY_CODE.get(code) ?? 'invalid', message);
}
