import { ERROR_CODES } from '@portcullis/protocol';
import { ADMIN_REASONS } from '../admin/index.js';
import { ANDROID_FAILURE_CODES } from '../attest/android/index.js';
import { APPLE_FAILURE_CODES } from '../attest/apple/index.js';
import { DEBUG_FAILURE_CODES } from '../attest/debug/verify-debug-credential.js';
import { PLAY_INTEGRITY_FAILURE_CODES } from '../attest/play-integrity/index.js';
import { GATEWAY_REASONS } from '../gateway/index.js';
import { LIMIT_FAILURE_REASONS } from '../limits/index.js';
import { PROOF_FAILURE_REASONS } from '../proofs/index.js';
import { ATTEST_REASONS } from '../server/attest-reasons.js';
import { CLUSTER_REASONS } from '../server/cluster.js';
import { DEVICE_STANDING_REASONS } from '../server/device-standing.js';
import { STORE_REASONS } from '../stores/index.js';
import { KEY_STORE_FAILURE_REASONS, TOKEN_FAILURE_REASONS } from '../tokens/index.js';

/** One audit-only reason: the precise cause behind a client-facing code. */
export interface ReasonEntry {
  reason: string;
  meaning: string;
  fix: string;
}

/** A group of reasons, named by the part of the shield that records them. */
export interface ReasonGroup {
  title: string;
  /** Which client-facing code(s) these reasons are answered with. */
  answeredWith: string;
  reasons: readonly ReasonEntry[];
}

const byCode = (rows: ReadonlyArray<{ code: string; meaning: string; fix: string }>): ReasonEntry[] =>
  rows.map((row) => ({ reason: row.code, meaning: row.meaning, fix: row.fix }));

/**
 * Every audit reason the shield can record, grouped by where it comes from. docs/errors.md is
 * rendered from this list and a test keeps the two identical; another test checks that every
 * reason literal in the source is in here.
 */
export function reasonGroups(extra: readonly ReasonGroup[] = []): ReasonGroup[] {
  return [
    {
      title: 'Attestation endpoints',
      answeredWith: 'various (see each reason)',
      reasons: byCode(ATTEST_REASONS),
    },
    {
      title: 'Registered devices under the current policy (refresh and proofs)',
      answeredWith:
        '`evidence_invalid` on `/v1/assert` (the client attests again); `token_invalid` (`proof_device_attestation_outdated`) on a proof route',
      reasons: byCode(DEVICE_STANDING_REASONS),
    },
    { title: 'Debug credentials', answeredWith: '`evidence_invalid`', reasons: byCode(DEBUG_FAILURE_CODES) },
    { title: 'Apple App Attest', answeredWith: '`evidence_invalid`', reasons: byCode(APPLE_FAILURE_CODES) },
    {
      title: 'Android key attestation',
      answeredWith: '`evidence_invalid` (`attestation_unavailable` for the revocation list)',
      reasons: byCode(ANDROID_FAILURE_CODES),
    },
    {
      title: 'Play Integrity',
      answeredWith: '`evidence_invalid` (`attestation_unavailable` when Google cannot be reached)',
      reasons: byCode(PLAY_INTEGRITY_FAILURE_CODES),
    },
    {
      title: 'App tokens',
      answeredWith: '`token_invalid`, `token_expired`',
      reasons: byCode(TOKEN_FAILURE_REASONS),
    },
    { title: 'Signing keys', answeredWith: 'start-up refusal', reasons: byCode(KEY_STORE_FAILURE_REASONS) },
    {
      title: 'Gateway',
      answeredWith: 'the code named in each meaning',
      reasons: GATEWAY_REASONS.map((row) => ({
        reason: row.reason,
        meaning: row.code === null ? row.meaning : `${row.meaning} (\`${row.code}\`)`,
        fix: row.fix,
      })),
    },
    {
      title: 'Per-request proofs',
      answeredWith:
        '`proof_missing`, `proof_invalid`, `proof_stale`, `proof_replayed`, `binding_mismatch`, `device_revoked`, `store_unavailable`',
      reasons: byCode(PROOF_FAILURE_REASONS),
    },
    {
      title: 'Rate limits and budgets',
      answeredWith: '`rate_limited`, `budget_exhausted` (429), `bad_request`, `store_unavailable`',
      reasons: byCode(LIMIT_FAILURE_REASONS),
    },
    {
      title: 'Stores',
      answeredWith: '`store_unavailable` (503), or a start-up refusal',
      reasons: byCode(STORE_REASONS),
    },
    {
      title: 'Workers (node:cluster)',
      answeredWith: 'a start-up refusal',
      reasons: CLUSTER_REASONS.map((row) => ({ reason: row.reason, meaning: row.meaning, fix: row.fix })),
    },
    {
      title: 'Admin listener',
      answeredWith: 'the code given for each reason in docs/admin.md',
      reasons: byCode(ADMIN_REASONS),
    },
    ...extra,
  ];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Renders docs/errors.md. */
export function renderErrorsDoc(groups: readonly ReasonGroup[] = reasonGroups()): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from the code by `npm run docs:errors`; a test fails when this file and the code differ. -->',
    '',
    'Every refusal is an RFC 9457 `application/problem+json` body with a stable `code`, the HTTP',
    'status that code always carries, the request id, and `Cache-Control: no-store`. It never',
    'echoes the token, an injected secret, the upstream address or a stack trace. Clients see the',
    '**code**; the precise **reason** (why exactly) is recorded in the audit log, and',
    '`portcullis evidence verify` shows it for a saved piece of evidence.',
    '',
    '```json',
    '{ "type": "https://portcullis.dev/errors#token_expired", "title": "App token expired",',
    '  "status": 401, "code": "token_expired", "requestId": "7d0c…" }',
    '```',
    '',
    '## Codes clients receive',
    '',
    '| code | HTTP | meaning | what to do |',
    '| --- | --- | --- | --- |',
    ...Object.entries(ERROR_CODES).map(
      ([code, entry]) => `| \`${code}\` | ${entry.status} | ${cell(entry.title)} | ${cell(entry.fix)} |`,
    ),
    '',
    '`rate_limited`, `budget_exhausted`, `store_unavailable` and `attestation_unavailable` carry',
    '`Retry-After` (and `retryAfter` in the body); 401 answers carry `WWW-Authenticate`.',
    '',
    '## Reasons in the audit log',
    '',
    'Config problems are reported by `portcullis check` with file, line and fix; their codes are',
    'listed in `docs/config.md`.',
  ];
  for (const group of groups) {
    lines.push(
      '',
      `### ${group.title}`,
      '',
      `Answered with ${group.answeredWith}.`,
      '',
      '| reason | meaning | fix |',
      '| --- | --- | --- |',
    );
    for (const entry of group.reasons)
      lines.push(`| \`${entry.reason}\` | ${cell(entry.meaning)} | ${cell(entry.fix)} |`);
  }
  return `${lines.join('\n')}\n`;
}
