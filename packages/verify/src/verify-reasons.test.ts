import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import {
  PROOF_FAILURE_REASONS,
  ROUTE_TOKEN_REFUSALS,
  TOKEN_FAILURE_REASONS,
} from '@portcullis/protocol/verification';
import { VERIFY_REASONS } from './verify-reasons.js';

const DOC = new URL('../../../docs/verify.md', import.meta.url);
const here = new URL('./', import.meta.url);

test('reasons are unique, lower_snake_case, answered with a protocol code, and apart from the shared ones', () => {
  const codes = VERIFY_REASONS.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  const shared = new Set<string>([
    ...TOKEN_FAILURE_REASONS.map((r) => r.code),
    ...PROOF_FAILURE_REASONS.map((r) => r.code),
  ]);
  for (const entry of VERIFY_REASONS) {
    assert.match(entry.code, /^[a-z]+(?:_[a-z0-9]+)+$/);
    assert.ok(Object.hasOwn(ERROR_CODES, entry.clientCode), entry.code);
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
    assert.ok(!shared.has(entry.code), `${entry.code} is already a shared token or proof reason`);
  }
});

test('every reason the verifier raises is in a catalog, and every own reason is raised somewhere', () => {
  const sources = [
    'create-verifier.ts',
    'create-app-token-verifier.ts',
    'express.ts',
    'fastify.ts',
    'hono.ts',
    'cloudflare.ts',
    'lambda.ts',
  ]
    .map((name) => readFileSync(new URL(name, here), 'utf8'))
    .join('\n');
  const known = new Set<string>([
    ...VERIFY_REASONS.map((r) => r.code),
    ...TOKEN_FAILURE_REASONS.map((r) => r.code),
    ...PROOF_FAILURE_REASONS.map((r) => r.code),
  ]);
  const raised = new Set<string>();
  for (const match of sources.matchAll(
    /(?:refuse\('[a-z_]+', |refuseProof\(|VerificationError\('[a-z_]+', )'([a-z0-9_]+)'/g,
  )) {
    raised.add(match[1]!);
  }
  // The route's level, app and audience are judged by the shared rule, whose reasons are answered
  // with their protocol code.
  assert.match(sources, /checkRouteToken\(/);
  assert.match(sources, /refuse\(ROUTE_TOKEN_REFUSALS\[refusal\], refusal\)/);
  for (const reason of Object.keys(ROUTE_TOKEN_REFUSALS)) raised.add(reason);
  assert.ok(raised.size > 15, `${raised.size} reasons found`);
  assert.deepEqual(
    [...raised].filter((reason) => !known.has(reason)),
    [],
  );
  for (const entry of VERIFY_REASONS) assert.ok(raised.has(entry.code), `${entry.code} is never raised`);
});

test('the route token refusals are listed with the client code the shield answers them with', () => {
  for (const [reason, code] of Object.entries(ROUTE_TOKEN_REFUSALS)) {
    assert.equal(VERIFY_REASONS.find((entry) => entry.code === reason)?.clientCode, code, reason);
  }
});

test('docs/verify.md lists exactly these reasons, with their client code, meaning and fix', () => {
  const section = readFileSync(DOC, 'utf8').split('\n## Refusal reasons\n')[1]?.split('\n## ')[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, clientCode, meaning, fix] = line
        .split(' | ')
        .map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '').trim());
      return { code: code?.replaceAll('`', ''), clientCode: clientCode?.replaceAll('`', ''), meaning, fix };
    });
  assert.deepEqual(documented, [...VERIFY_REASONS]);
});
