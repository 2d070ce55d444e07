import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import { parseProofHeader, proofMessage } from '@portcullis/protocol';
import { signProofs } from './sign-proofs.js';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzaG9wIn0.c2ln';
const NOW = Date.parse('2026-11-28T12:00:00Z');

test('every proof covers its own target and verifies with the device key over the proof message', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const lines = signProofs({
    privateKey,
    token: TOKEN,
    path: '/proof/items',
    count: 5,
    timestampMs: NOW,
    from: 7,
  });
  assert.equal(lines.length, 5);
  const targets = lines.map((line) => line.split(' ')[0]);
  assert.deepEqual(
    targets,
    [7, 8, 9, 10, 11].map((n) => `/proof/items?n=${n}`),
  );
  for (const line of lines) {
    const [target = '', header = ''] = line.split(' ');
    const parsed = parseProofHeader(header);
    assert.ok(parsed.ok);
    if (!parsed.ok) continue;
    assert.equal(parsed.timestampMs, NOW);
    const message = proofMessage({
      method: 'GET',
      target,
      body: new Uint8Array(0),
      timestampMs: NOW,
      token: TOKEN,
    });
    const signed = (text: string) =>
      verify('sha256', Buffer.from(text, 'utf8'), { key: publicKey, dsaEncoding: 'der' }, parsed.signature);
    assert.equal(signed(message), true);
    // Another target's message does not verify: the proof is bound to its own request.
    assert.equal(signed(message.replace(target, '/proof/items?n=0')), false);
  }
});
